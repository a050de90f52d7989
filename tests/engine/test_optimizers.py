"""Each optimizer's first updates against numbers worked out by hand from the book's formulas.

Setup shared by the cases: a weight W = 1.0 with a constant gradient 0.5 and a bias b = 0.5 with
a constant gradient -1.0.  The expected values below were computed on paper (or with a pocket
calculator for the square roots), not with the engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine.core import Parameter
from nnplayground.engine.optimizers import OPTIMIZERS, Optimizer


def make_params() -> tuple[Parameter, Parameter]:
    w = Parameter(np.array([1.0], dtype=np.float32), "W", decay=True)
    b = Parameter(np.array([0.5], dtype=np.float32), "b", decay=False)
    return w, b


def run(opt: Optimizer, steps: int) -> tuple[list[float], list[float]]:
    w, b = make_params()
    w_value, b_value = w.value, b.value
    ws, bs = [], []
    for _ in range(steps):
        w.grad[...] = 0.5
        b.grad[...] = -1.0
        opt.step([w, b])
        ws.append(float(w.value[0]))
        bs.append(float(b.value[0]))
    # updates are in place and never upcast to float64
    assert w.value is w_value and b.value is b_value
    assert w.value.dtype == np.float32 and b.value.dtype == np.float32
    return ws, bs


def test_sgd_weight_decay_applies_to_w_not_b() -> None:
    # W: g = 0.5 + 0.1·W ; W ← W − 0.1·g  → 1 − 0.06 = 0.94 ; 0.94 − 0.0594 = 0.8806 ;
    #    0.8806 − 0.1·(0.5 + 0.08806) = 0.821794.   b has no decay: 0.6, 0.7, 0.8
    ws, bs = run(OPTIMIZERS.create("sgd", lr=0.1, weight_decay=0.1), 3)
    assert ws == pytest.approx([0.94, 0.8806, 0.821794], rel=1e-6)
    assert bs == pytest.approx([0.6, 0.7, 0.8], rel=1e-6)


def test_momentum() -> None:
    # v = −0.05 → W 0.95 ; v = −0.045 − 0.05 = −0.095 → 0.855 ; v = −0.1355 → 0.7195
    ws, bs = run(OPTIMIZERS.create("momentum", lr=0.1, momentum=0.9), 3)
    assert ws == pytest.approx([0.95, 0.855, 0.7195], rel=1e-6)
    # b: v = 0.1 → 0.6 ; v = 0.19 → 0.79
    assert bs[:2] == pytest.approx([0.6, 0.79], rel=1e-6)


def test_momentum_with_weight_decay() -> None:
    # g1 = 0.5 + 0.1·1 = 0.6 → v = −0.06, W = 0.94 ;
    # g2 = 0.5 + 0.094 = 0.594 → v = −0.054 − 0.0594 = −0.1134, W = 0.8266
    ws, bs = run(OPTIMIZERS.create("momentum", lr=0.1, momentum=0.9, weight_decay=0.1), 2)
    assert ws == pytest.approx([0.94, 0.8266], rel=1e-6)
    assert bs == pytest.approx([0.6, 0.79], rel=1e-6)


def test_nesterov_book_form() -> None:
    # v = −0.05 ; W = 1 + 0.81·(−0.05) − 1.9·0.05 = 0.8645
    # v = −0.095 ; W = 0.8645 − 0.07695 − 0.095 = 0.69255
    # v = −0.1355 ; W = 0.69255 − 0.109755 − 0.095 = 0.487795
    ws, _ = run(OPTIMIZERS.create("nesterov", lr=0.1, momentum=0.9), 3)
    assert ws == pytest.approx([0.8645, 0.69255, 0.487795], rel=1e-6)


def test_adagrad() -> None:
    # h = 0.25 → W = 1 − 0.05/0.5 = 0.9 ; h = 0.5 → W = 0.9 − 0.05/0.7071068 = 0.8292893 ;
    # h = 0.75 → W = 0.8292893 − 0.05/0.8660254 = 0.7715543
    ws, bs = run(OPTIMIZERS.create("adagrad", lr=0.1), 3)
    assert ws == pytest.approx([0.9, 0.8292893, 0.7715543], rel=1e-6)
    # b: g = −1, h = 1 → +0.1 ; h = 2 → +0.1/1.4142136
    assert bs[:2] == pytest.approx([0.6, 0.6707107], rel=1e-6)


def test_rmsprop() -> None:
    # h = 0.01·0.25 = 0.0025 → W = 1 − 0.005/0.05 = 0.9
    # h = 0.99·0.0025 + 0.0025 = 0.004975 → W = 0.9 − 0.005/0.0705337 = 0.8291122
    ws, _ = run(OPTIMIZERS.create("rmsprop", lr=0.01, decay_rate=0.99), 2)
    assert ws == pytest.approx([0.9, 0.8291122], rel=1e-6)


def test_adam_bias_corrected_steps() -> None:
    # t=1: m = 0.05, v = 0.00025, lr_t = 0.001·√0.001/0.1 = 3.16228e-4,
    #      step = lr_t·0.05/0.0158114 = 0.001          → W = 0.999
    # t=2: m = 0.095, v = 0.00049975, lr_t = 0.001·√0.001999/0.19 = 2.35316e-4,
    #      step = lr_t·0.095/0.0223551 = 0.001         → W = 0.998
    adam = OPTIMIZERS.create("adam", lr=0.001)
    ws, bs = run(adam, 3)
    assert ws == pytest.approx([0.999, 0.998, 0.997], rel=1e-6)
    assert bs == pytest.approx([0.501, 0.502, 0.503], rel=1e-6)
    # The book's m and v after the third step: m = 0.095 + 0.1·(0.5 − 0.095) = 0.1355,
    # v = 0.00049975 + 0.001·(0.25 − 0.00049975) = 0.00074925025
    (w, _b), = [tuple(adam.state)]
    m, v = adam.moments(w)
    assert float(m[0]) == pytest.approx(0.1355, rel=1e-6)
    assert float(v[0]) == pytest.approx(0.00074925025, rel=1e-6)


@pytest.mark.parametrize("split", [False, True])
def test_adam_matches_the_book_form_on_random_weights(split: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """50 steps on random weights and gradients against the book's rule written out in
    float64 here (m, v and the bias-corrected step as in the class docstring's first lines),
    on one core and split over the cores."""
    if split:
        monkeypatch.setattr(OPTIMIZERS.get("adam"), "MIN_SPLIT", 0)
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((300, 301)).astype(np.float32)
    param = Parameter(w0.copy(), "W", decay=True)
    adam = OPTIMIZERS.create("adam", lr=0.01, beta1=0.8, beta2=0.99)
    w, m, v = w0.astype(np.float64), np.zeros(w0.shape), np.zeros(w0.shape)
    for t in range(1, 51):
        g = rng.standard_normal(w0.shape).astype(np.float32)
        param.grad[...] = g
        adam.step([param])
        m += 0.2 * (g - m)
        v += 0.01 * (g.astype(np.float64) ** 2 - v)
        w -= 0.01 * np.sqrt(1 - 0.99**t) / (1 - 0.8**t) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(param.value, w, rtol=0, atol=2e-5)
    got_m, got_v = adam.moments(param)
    np.testing.assert_allclose(got_m, m, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got_v, v, rtol=1e-4, atol=1e-7)


def test_learning_rate_change_between_steps_takes_effect() -> None:
    opt = OPTIMIZERS.create("sgd", lr=0.1)
    w, _ = make_params()
    w.grad[...] = 0.5
    opt.step([w])
    assert float(w.value[0]) == pytest.approx(0.95)
    opt.lr = 0.01
    opt.step([w])
    assert float(w.value[0]) == pytest.approx(0.945)
    adam = OPTIMIZERS.create("adam", lr=0.001)
    ws = []
    for lr in (0.001, 0.1):
        adam.lr = lr
        adam.step([w])
        ws.append(float(w.value[0]))
    assert ws[0] - ws[1] == pytest.approx(0.1, rel=1e-4)  # Adam's step tracks lr


def test_state_is_per_parameter() -> None:
    opt = OPTIMIZERS.create("momentum", lr=0.1, momentum=0.9)
    w1, _ = make_params()
    w2, _ = make_params()
    w1.grad[...] = 0.5
    opt.step([w1])
    w2.grad[...] = 0.5
    opt.step([w2])  # w2's velocity starts at zero, untouched by w1's step
    assert float(w1.value[0]) == pytest.approx(0.95)
    assert float(w2.value[0]) == pytest.approx(0.95)


@pytest.mark.parametrize(
    ("name", "kwargs", "needle"),
    [
        ("sgd", {"lr": 0}, "lr must be > 0, got 0"),
        ("sgd", {"lr": -0.5}, "-0.5"),
        ("sgd", {"lr": "fast"}, "'fast'"),
        ("sgd", {"lr": float("nan")}, "nan"),
        ("momentum", {"momentum": 1.0}, "momentum must be in [0, 1), got 1.0"),
        ("adam", {"beta2": -0.1}, "beta2"),
        ("rmsprop", {"decay_rate": 1.5}, "decay_rate"),
        ("adagrad", {"eps": 0}, "eps"),
        ("adam", {"weight_decay": -1e-4}, "weight_decay must be >= 0, got -0.0001"),
    ],
)
def test_bad_arguments_name_the_value(name: str, kwargs: dict, needle: str) -> None:
    with pytest.raises(ValueError) as info:
        OPTIMIZERS.create(name, **kwargs)
    assert needle in str(info.value)


def test_lr_setter_validates() -> None:
    opt = OPTIMIZERS.create("adam")
    with pytest.raises(ValueError, match="-1"):
        opt.lr = -1
    assert opt.lr == 0.001


def test_get_config_round_trip() -> None:
    for name in OPTIMIZERS.names():
        opt = OPTIMIZERS.create(name, lr=0.05, weight_decay=1e-3)
        cfg = opt.get_config()
        assert cfg["name"] == name
        again = OPTIMIZERS.create(cfg)
        assert type(again) is type(opt) and again.get_config() == cfg
    assert set(OPTIMIZERS.names()) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
