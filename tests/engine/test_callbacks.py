"""Callback order, logs, stop_training, History, EarlyStopping, ProgressBar."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from nnplayground.engine import Sequential
from nnplayground.engine.callbacks import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    ProgressBar,
    epoch_decay,
)


def small_model(seed: int = 0) -> Sequential:
    model = Sequential.from_config(
        {
            "input_shape": [3],
            "layers": [
                {"type": "dense", "units": 4},
                {"type": "relu"},
                {"type": "dense", "units": 2},
            ],
        },
        rng=seed,
    )
    model.compile({"name": "sgd", "lr": 0.1}, "softmax_cross_entropy")
    return model


def data(n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


class Recorder(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[Any, ...]] = []
        self.batch_logs: list[dict[str, Any]] = []
        self.epoch_logs: list[dict[str, Any]] = []

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        assert self.model is not None  # set before training
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self.events.append(("epoch_begin", epoch))

    def on_batch_begin(self, step: int, logs: dict[str, Any]) -> None:
        self.events.append(("batch_begin", step))

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        self.events.append(("batch_end", step))
        self.batch_logs.append(dict(logs))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.events.append(("epoch_end", epoch))
        self.epoch_logs.append(dict(logs))

    def on_train_end(self, logs: dict[str, Any]) -> None:
        self.events.append(("train_end",))


def test_hook_order_and_logs() -> None:
    x, y = data(10)
    rec = Recorder()
    small_model().fit(x, y, epochs=2, batch_size=6, validation_data=(x, y), callbacks=[rec])
    assert rec.events == [
        ("train_begin",),
        ("epoch_begin", 0),
        ("batch_begin", 1),
        ("batch_end", 1),
        ("batch_begin", 2),
        ("batch_end", 2),
        ("epoch_end", 0),
        ("epoch_begin", 1),
        ("batch_begin", 3),
        ("batch_end", 3),
        ("batch_begin", 4),
        ("batch_end", 4),
        ("epoch_end", 1),
        ("train_end",),
    ]
    assert [(b["epoch"], b["batch"], b["step"], b["size"]) for b in rec.batch_logs] == [
        (0, 0, 1, 6),
        (0, 1, 2, 4),
        (1, 0, 3, 6),
        (1, 1, 4, 4),
    ]
    assert all(isinstance(b["loss"], float) for b in rec.batch_logs)
    first = rec.epoch_logs[0]
    assert set(first) == {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    # epoch loss = size-weighted mean of the batch losses
    expected = (rec.batch_logs[0]["loss"] * 6 + rec.batch_logs[1]["loss"] * 4) / 10
    assert first["loss"] == pytest.approx(expected)


def test_stop_training_after_current_batch() -> None:
    x, y = data(20)
    model = small_model()
    rec = Recorder()

    def stop(step: int, logs: dict[str, Any]) -> None:
        if step == 3:
            model.stop_training = True

    history = model.fit(
        x, y, epochs=5, batch_size=5, callbacks=[LambdaCallback(on_batch_end=stop), rec]
    )
    assert [e for e in rec.events if e[0] == "batch_end"][-1] == ("batch_end", 3)
    assert rec.events[-1] == ("train_end",)
    assert history.epoch == []  # the interrupted epoch is not reported as complete


def test_a_callback_can_read_activations_and_weights_between_steps() -> None:
    x, y = data(12)
    model = small_model()
    probe = x[:2]
    seen: list[tuple[int, list[tuple[int, ...]]]] = []

    def tap(step: int, logs: dict[str, Any]) -> None:
        trace = model.forward_trace(probe)
        seen.append((len(model.get_weights()), [t.shape for t in trace]))

    model.fit(x, y, epochs=1, batch_size=4, callbacks=[LambdaCallback(on_batch_end=tap)])
    assert seen == [(4, [(2, 4), (2, 4), (2, 2)])] * 3


def test_learning_rate_changed_by_a_callback_is_used() -> None:
    x, y = data(8)
    model = small_model()
    w = model.parameters()[0]
    deltas = []
    before = [w.value.copy()]

    def change(step: int, logs: dict[str, Any]) -> None:
        deltas.append(np.abs(w.value - before[0]).max())
        before[0] = w.value.copy()
        model.optimizer.lr = 1e-6

    model.fit(
        x, y, epochs=1, batch_size=4, shuffle=False, callbacks=[LambdaCallback(on_batch_end=change)]
    )
    assert deltas[0] > 1e-3 and deltas[1] < 1e-5


def test_history_and_early_stopping() -> None:
    x, y = data(20)
    model = small_model()
    # loss falls every epoch, so in "max" mode it never improves after epoch 0
    stopper = EarlyStopping(monitor="loss", mode="max", patience=1)
    history = model.fit(x, y, epochs=10, batch_size=5, callbacks=[stopper])
    assert history.epoch == [0, 1] and stopper.stopped_epoch == 1  # Keras's count
    assert len(history.history["loss"]) == 2 and len(history.history["accuracy"]) == 2
    stopper = EarlyStopping(monitor="loss", mode="max", patience=3)
    assert small_model().fit(x, y, epochs=10, batch_size=5, callbacks=[stopper]).epoch == [
        0, 1, 2, 3]
    with pytest.raises(ValueError, match="'val_loss'"):
        small_model().fit(x, y, epochs=1, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_early_stopping_restores_best_weights() -> None:
    x, y = data(20)
    model = small_model()
    keep: list[list[np.ndarray]] = []
    stopper = EarlyStopping(monitor="loss", mode="max", patience=1, restore_best_weights=True)
    snap = LambdaCallback(on_epoch_end=lambda e, logs: keep.append(model.get_weights()))
    model.fit(x, y, epochs=10, batch_size=5, callbacks=[snap, stopper])
    for a, b in zip(model.get_weights(), keep[0], strict=True):
        np.testing.assert_array_equal(a, b)


def test_progress_bar_and_verbose() -> None:
    x, y = data(10)
    out = io.StringIO()
    small_model().fit(x, y, epochs=2, batch_size=5, callbacks=[ProgressBar(stream=out)])
    text = out.getvalue()
    assert "epoch 1/2 2/2 [" in text and "\repoch 2/2" in text and text.count("\n") == 2
    assert "loss" in text.splitlines()[-1]
    history = History()
    assert history.history == {}
    with pytest.raises(ValueError, match="on_batch_finish"):
        LambdaCallback(on_batch_finish=print)


def test_verbose_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = data(10)
    small_model().fit(x, y, epochs=1, batch_size=5, verbose=1)
    assert "epoch 1/1" in capsys.readouterr().out


def test_epoch_decay_halves_the_learning_rate_each_epoch() -> None:
    x, y = data(10)
    model = small_model()  # lr 0.1
    lrs: list[float] = []
    record = LambdaCallback(on_epoch_end=lambda e, logs: lrs.append(model.optimizer.lr))
    model.fit(x, y, epochs=3, batch_size=5, callbacks=[epoch_decay(0.5), record])
    assert lrs == pytest.approx([0.1, 0.05, 0.025])
    with pytest.raises(ValueError, match="lr_decay must be in \\(0, 1\\], got 1.5"):
        epoch_decay(1.5)


def test_warmup_linear_decay_follows_its_formula_and_rebases_on_outside_changes():
    """lr_s = base · min(1, s / w) · (T − s + 1) / T, worked out by hand for T = 20, w = 1:
    step 1 → 0.1, step 2 → 0.095, ..., step 20 → 0.005; an outside change to 0.04 while the
    factor was 0.8 (step 5) makes the base 0.05."""
    from nnplayground.engine.callbacks import WarmupLinearDecay, lr_schedule

    class Opt:
        lr = 0.1

    class M:
        optimizer = Opt()

    cb = WarmupLinearDecay(warmup=0.05)
    cb.set_model(M())
    cb.on_train_begin({"epochs": 2, "steps_per_epoch": 10})
    seen = []
    for step in range(1, 21):
        cb.on_batch_begin(step, {})
        seen.append(M.optimizer.lr)
        if step == 5:
            M.optimizer.lr = 0.04  # e.g. the page's lr request, between two batches
    assert seen[:5] == pytest.approx([0.1, 0.095, 0.09, 0.085, 0.08])
    assert seen[5] == pytest.approx(0.05 * 15 / 20)  # rebased: 0.04 / 0.8 = 0.05
    assert seen[-1] == pytest.approx(0.05 / 20)

    warm = WarmupLinearDecay(warmup=0.25)
    warm.set_model(M())
    M.optimizer.lr = 1.0
    warm.on_train_begin({"epochs": 1, "steps_per_epoch": 8})  # w = 2
    lrs = []
    for step in range(1, 9):
        warm.on_batch_begin(step, {})
        lrs.append(M.optimizer.lr)
    assert lrs == pytest.approx([0.5, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8])

    assert lr_schedule("step") == []
    assert [type(c).__name__ for c in lr_schedule("linear", 0.5)] == [
        "LearningRateScheduler", "WarmupLinearDecay"]
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        lr_schedule("cosine")
    with pytest.raises(ValueError, match="warmup must be in"):
        WarmupLinearDecay(1.0)
