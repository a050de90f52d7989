"""Sequential: training loop, reproducibility, spec errors, weights, summary."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from nnplayground.engine import OPTIMIZERS, Layer, Sequential, SpecError, layers
from nnplayground.engine.callbacks import Callback


def blobs(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clusters in 4-D: easy to separate, so a working loop must learn them."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    x = centers[y] + rng.normal(0, 0.5, (n, 4)).astype(np.float32)
    return x, y


MLP_SPEC: dict[str, Any] = {
    "name": "tiny",
    "input_shape": [4],
    "layers": [
        {"type": "dense", "units": 16},
        {"type": "relu"},
        {"type": "dropout", "rate": 0.3},
        {"type": "dense", "units": 3},
    ],
}

CNN_SPEC: dict[str, Any] = {
    "name": "tinycnn",
    "input_shape": [1, 8, 8],
    "layers": [
        {"type": "conv2d", "filters": 3, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dropout", "rate": 0.5},
        {"type": "dense", "units": 3},
    ],
}


def losses_for(spec: dict[str, Any], seed: int, x: np.ndarray, y: np.ndarray) -> list[float]:
    model = Sequential.from_config(spec, rng=np.random.default_rng(seed))
    model.compile(optimizer={"name": "momentum", "lr": 0.05}, loss="softmax_cross_entropy")
    losses: list[float] = []

    class Record(Callback):
        def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
            losses.append(logs["loss"])

    model.fit(x, y, epochs=2, batch_size=16, callbacks=[Record()])
    return losses


@pytest.mark.parametrize("spec", [MLP_SPEC, CNN_SPEC], ids=["mlp", "cnn"])
def test_same_seed_bit_identical_losses_different_seed_differs(spec: dict[str, Any]) -> None:
    rng = np.random.default_rng(5)
    shape = tuple(spec["input_shape"])
    x = rng.random((40, *shape), dtype=np.float32)
    y = rng.integers(0, 3, 40)
    a = losses_for(spec, 1, x, y)
    b = losses_for(spec, 1, x, y)
    c = losses_for(spec, 2, x, y)
    assert len(a) == 6  # 40 samples, batch 16: 16 + 16 + 8 (partial batch kept), two epochs
    assert a == b
    assert a != c


def test_fit_evaluate_predict_learn_blobs() -> None:
    x, y = blobs()
    xt, yt = blobs(150, seed=1)
    model = Sequential([layers.Dense(16), layers.ReLU(), layers.Dense(3)], input_shape=(4,), rng=0)
    model.compile(optimizer=OPTIMIZERS.create("adam", lr=0.01), loss="softmax_cross_entropy")
    before = model.evaluate(xt, yt, return_dict=True)
    history = model.fit(x, y, epochs=15, batch_size=32, validation_data=(xt, yt))
    after = model.evaluate(xt, yt, return_dict=True)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert after["loss"] < before["loss"] and after["accuracy"] > 0.95
    assert history.history["val_accuracy"][-1] == pytest.approx(after["accuracy"])
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    logits = model.predict(xt)
    assert logits.shape == (150, 3) and logits.dtype == np.float32
    proba = model.predict_proba(xt)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(proba.argmax(1), logits.argmax(1))
    # one-hot labels give the same metrics
    onehot = np.eye(3, dtype=np.float32)[yt]
    assert model.evaluate(xt, onehot, return_dict=True) == pytest.approx(after)


def test_train_step_returns_loss_and_updates() -> None:
    x, y = blobs(64)
    model = Sequential.from_config(MLP_SPEC, rng=3)
    model.compile("sgd", "softmax_cross_entropy")
    w0 = model.get_weights()
    loss = model.train_step(x[:32], y[:32])
    assert np.isfinite(loss) and loss > 0
    assert any(not np.array_equal(a, b) for a, b in zip(w0, model.get_weights(), strict=True))


class Spy(Layer):
    """Identity layer recording the first feature (a sample id) of what it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.train_ids: list[float] = []
        self.eval_ids: list[float] = []

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        (self.train_ids if training else self.eval_ids).extend(x[:, 0].tolist())
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


def test_validation_split_holds_out_training_samples_only() -> None:
    x, y = blobs(100)
    x[:, 0] = np.arange(100)  # sample ids
    spy = Spy()
    model = Sequential([spy, layers.Dense(3)], input_shape=(4,), rng=0)
    model.compile("sgd", "softmax_cross_entropy")
    history = model.fit(x, y, epochs=2, batch_size=10, validation_split=0.2)
    train, val = set(spy.train_ids), set(spy.eval_ids)
    assert len(val) == 20 and len(train) == 80 and not train & val
    assert train | val == set(range(100))
    assert len(spy.train_ids) == 160  # each training sample once per epoch
    assert len(history.history["val_loss"]) == 2


def test_weight_decay_adds_half_lambda_sum_w2_to_reported_loss() -> None:
    x, y = blobs(50)
    model = Sequential.from_config(MLP_SPEC, rng=0)
    model.compile("sgd", "softmax_cross_entropy")
    plain = model.evaluate(x, y, return_dict=True)["loss"]
    model.compile({"name": "sgd", "lr": 0.1, "weight_decay": 0.1}, "softmax_cross_entropy")
    dense = [layer for layer in model.layers if isinstance(layer, layers.Dense)]
    for layer in dense:
        layer.b.value[...] = 5.0  # biases are not decayed: they must not change the penalty
    penalty = 0.5 * 0.1 * sum(float((d.W.value.astype(np.float64) ** 2).sum()) for d in dense)
    with_b = model.evaluate(x, y, return_dict=True)["loss"]
    model.compile("sgd", "softmax_cross_entropy")
    plain_again = model.evaluate(x, y, return_dict=True)["loss"]
    assert with_b == pytest.approx(plain_again + penalty, rel=1e-5)
    assert plain != with_b


def test_forward_trace_matches_predict_and_dtype_option() -> None:
    x = np.random.default_rng(0).random((5, 1, 8, 8), dtype=np.float32)
    model = Sequential.from_config(CNN_SPEC, rng=0)
    trace = model.forward_trace(x)
    assert [t.shape for t in trace] == [
        (5, 3, 8, 8),
        (5, 3, 8, 8),
        (5, 3, 4, 4),
        (5, 48),
        (5, 48),
        (5, 3),
    ]
    np.testing.assert_array_equal(trace[-1], model.predict(x))
    m64 = Sequential.from_config(CNN_SPEC, rng=0, dtype=np.float64)
    assert m64.predict(x).dtype == np.float64
    assert all(p.value.dtype == np.float64 for p in m64.parameters())


@pytest.mark.parametrize("last,loss,units", [
    (None, "softmax_cross_entropy", 3),  # the book's nets: logits out, softmax in the loss
    ("softmax", "softmax_cross_entropy", 3),  # a final Softmax the loss absorbs
    ("sigmoid", "sigmoid_bce", 1),
    (None, "mse", 2),
    ("only_softmax", "softmax_cross_entropy", 0),  # no layer left before the absorbed one
])
def test_probabilities_from_the_trace_equal_predict_proba(last, loss, units) -> None:
    x = np.random.default_rng(1).random((4, 6), dtype=np.float32)
    layers = [{"type": "dense", "units": 5}, {"type": "relu"},
              {"type": "dense", "units": units}] if units else []
    if last is not None:
        layers.append({"type": "softmax" if last == "only_softmax" else last})
    model = Sequential.from_config({"input_shape": [6], "layers": layers}, rng=0)
    model.compile(optimizer="sgd", loss=loss)
    np.testing.assert_array_equal(model.proba_from_trace(x, model.forward_trace(x)),
                                  model.predict_proba(x))


def test_weights_are_copies_and_shape_mismatch_names_the_layer() -> None:
    model = Sequential.from_config(CNN_SPEC, rng=0)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 1, 3, 3), (3,), (48, 3), (3,)]
    weights[0][...] = 0
    assert not np.all(model.get_weights()[0] == 0)
    model.set_weights(weights)
    assert np.all(model.get_weights()[0] == 0)
    weights[2] = np.zeros((47, 3))
    with pytest.raises(ValueError, match=r"weight 2, layer 5 \(dense\) parameter 'W'.*\[47, 3\]"):
        model.set_weights(weights)
    with pytest.raises(ValueError, match="expected 4 weight arrays, got 3"):
        model.set_weights(weights[:3])
    assert model.count_params() == 3 * 9 + 3 + 48 * 3 + 3


def test_summary_table() -> None:
    model = Sequential.from_config(
        {
            "name": "SimpleConvNet",
            "input_shape": [1, 28, 28],
            "layers": [
                {"type": "conv2d", "filters": 30, "kernel_size": 5},
                {"type": "relu"},
                {"type": "maxpool2d", "pool_size": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 100},
                {"type": "relu"},
                {"type": "dense", "units": 10},
            ],
        },
        rng=0,
    )
    text = model.summary_text()
    lines = text.splitlines()
    assert lines[0] == 'Model: "SimpleConvNet"'
    assert "Layer (type)" in lines[2] and "Output Shape" in lines[2] and "Param #" in lines[2]
    conv = next(line for line in lines if line.startswith("conv2d (Conv2D)"))
    assert "(None, 30, 24, 24)" in conv and conv.rstrip().endswith("780")
    assert any("(None, 30, 12, 12)" in line for line in lines)
    dense = next(line for line in lines if line.startswith("dense (Dense)"))
    assert "(None, 100)" in dense and dense.rstrip().endswith("432,100")
    assert "Total params: 433,890" in text and "Trainable params: 433,890" in text


@pytest.mark.parametrize(
    ("spec", "index", "field", "needle"),
    [
        (
            {"input_shape": [784], "layers": [{"type": "dense", "units": 10}, {"type": "reluu"}]},
            1,
            "type",
            "unknown layer type 'reluu'",
        ),
        ({"input_shape": [784], "layers": [{"type": "dense", "units": -5}]}, 0, "units", "-5"),
        (
            {"input_shape": [784], "layers": [{"type": "dense", "unit": 5}]},
            0,
            "unit",
            "no field 'unit'",
        ),
        (
            {
                "input_shape": [1, 28, 28],
                "layers": [
                    {"type": "conv2d", "filters": 4, "kernel_size": 3},
                    {"type": "relu"},
                    {"type": "dense", "units": 10},
                ],
            },
            2,
            "input_shape",
            "Flatten",
        ),
        (
            {
                "input_shape": [1, 8, 8],
                "layers": [
                    {"type": "conv2d", "filters": 4, "kernel_size": 3},
                    {"type": "maxpool2d"},
                    {"type": "conv2d", "filters": 4, "kernel_size": 5},
                ],
            },
            2,
            "kernel_size",
            "larger",
        ),
        ({"input_shape": [784], "layers": ["dense"]}, 0, None, "'dense'"),
        (
            {"input_shape": [784], "layers": [{"type": "dense", "units": 10**6}]},
            0,
            "units",
            "limit",
        ),
    ],
)
def test_spec_errors_name_index_and_field(
    spec: dict, index: int, field: str | None, needle: str
) -> None:
    with pytest.raises(SpecError) as info:
        Sequential.from_config(spec, rng=0, max_params=10**8 // 100)
    err = info.value
    assert err.index == index and err.field == field
    assert str(err).startswith(f"layer {index}") and needle in str(err)
    if field:
        assert f"field {field!r}" in str(err)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"layers": [{"type": "relu"}]}, "input_shape"),
        ({"input_shape": [0, 28], "layers": [{"type": "relu"}]}, "input_shape"),
        ({"input_shape": "784", "layers": [{"type": "relu"}]}, "input_shape"),
        ({"input_shape": [784], "layers": []}, "layers"),
        ({"input_shape": [784], "layers": [{"type": "relu"}], "extra": 1}, "extra"),
    ],
)
def test_model_level_spec_errors(spec: dict, field: str) -> None:
    with pytest.raises(SpecError) as info:
        Sequential.from_config(spec)
    assert info.value.index is None and info.value.field == field


def test_validate_spec_and_memory_estimate() -> None:
    result = Sequential.validate_spec(CNN_SPEC, batch_size=10)
    assert [entry["type"] for entry in result["layers"]] == [
        "conv2d",
        "relu",
        "maxpool2d",
        "flatten",
        "dropout",
        "dense",
    ]
    assert result["layers"][0] == {
        "index": 0,
        "type": "conv2d",
        "output_shape": [3, 8, 8],
        "params": 30,
    }
    assert result["output_shape"] == [3] and result["total_params"] == 30 + 147
    assert json.loads(json.dumps(result)) == result
    small = result["memory_bytes"]
    assert small > 0 and Sequential.validate_spec(CNN_SPEC, batch_size=100)["memory_bytes"] > small


def test_bad_fit_arguments_are_clear() -> None:
    x, y = blobs(20)
    model = Sequential.from_config(MLP_SPEC, rng=0)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y)
    model.compile("adam", "softmax_cross_entropy")
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.fit(x, y, batch_size=0)
    with pytest.raises(ValueError, match=r"input has shape \[20, 3\]"):
        model.fit(x[:, :3], y)
    with pytest.raises(ValueError, match="20 inputs but 19 labels"):
        model.fit(x, y[:19])
    with pytest.raises(ValueError, match="validation_split must be in"):
        model.fit(x, y, validation_split=1.5)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        model.compile("adam", "softmax_cross_entropy", metrics=["f1"])
    with pytest.raises(ValueError, match="rng"):
        Sequential(rng="seed")


def test_add_builds_incrementally_and_sigmoid_bce_accuracy() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)[:, None]
    model = Sequential(input_shape=[2], rng=0)
    model.add({"type": "dense", "units": 8}).add(layers.Tanh()).add(layers.Dense(1))
    model.build()
    model.compile({"name": "adam", "lr": 0.05}, "sigmoid_bce")
    model.fit(x, y, epochs=20, batch_size=20)
    assert model.evaluate(x, y, return_dict=True)["accuracy"] > 0.95
    proba = model.predict_proba(x)
    assert proba.shape == (200, 1) and np.all((proba > 0) & (proba < 1))


def test_add_to_a_built_model_trains_the_new_layer() -> None:
    from nnplayground.engine import SpecError
    from nnplayground.engine.layers import Dense

    model = Sequential([Dense(8)], input_shape=[4], rng=0)
    model.add(Dense(3))
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3
    model.compile("sgd", "softmax_cross_entropy")
    x = np.random.default_rng(1).random((5, 4), dtype=np.float32)
    before = model.layers[1].W.value.copy()
    model.train_step(x, np.array([0, 1, 2, 0, 1]))
    assert not np.array_equal(before, model.layers[1].W.value)
    with pytest.raises(SpecError) as err:
        model.add({"type": "conv2d", "filters": 2, "kernel_size": 3})
    assert err.value.index == 2


def test_train_step_reports_the_loss_before_the_update_weight_decay_included() -> None:
    from nnplayground.engine.layers import Dense

    model = Sequential([Dense(3)], input_shape=[4], rng=0)
    model.compile({"name": "sgd", "lr": 0.5, "weight_decay": 0.5}, "softmax_cross_entropy")
    x = np.random.default_rng(1).random((6, 4), dtype=np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    expected = model.evaluate(x, y, return_dict=True)["loss"]
    assert model.train_step(x, y) == pytest.approx(expected, rel=1e-5)
