"""Numerical differentiation and gradient descent (the book §4.3-4.4), against references
computed here by hand: f'(x) = 0.02x + 0.1, and for f = x0² + x1² one step of size lr is
x ← (1 − 2·lr)·x, so after k steps x_k = (1 − 2·lr)^k · x_0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnplayground.labs.base import LabError
from nnplayground.labs.numerical import derivative, descent


def test_book_derivatives_at_5_and_10() -> None:
    r = derivative()
    # The book prints 0.1999999999990898 and 0.2999999999986347 (true values 0.2 and 0.3).
    assert r["at_5"] == pytest.approx(0.1999, abs=1e-4)
    assert r["at_10"] == pytest.approx(0.2999, abs=1e-4)
    assert abs(r["at_5"] - 0.2) < 1e-10 and abs(r["at_10"] - 0.3) < 1e-10


def test_central_beats_forward_and_float32_rounds() -> None:
    r = derivative(x=5.0)
    i = r["h"].index(1e-4)
    # forward difference error is h·f''/2 = 1e-4 · 0.01 = 1e-6; central has no h² term here
    # (f is quadratic), so only rounding remains.
    assert r["errors"]["forward_float64"][i] == pytest.approx(1e-6, rel=1e-3)
    assert r["errors"]["central_float64"][i] < 1e-10
    # float32 (about 7 digits): at h = 1e-4 rounding dominates, errors near 1e-3 .. 1e-5
    assert r["errors"]["central_float32"][i] > 1e3 * r["errors"]["central_float64"][i]


def test_the_h_1e50_trap() -> None:
    trap = derivative()["trap"]
    assert trap["float32_h"] == float(np.float32(1e-50)) == 0.0
    assert trap["x_plus_h_equals_x"] and trap["derivative"] == 0.0


@pytest.fixture(scope="module")
def paths() -> dict:
    return {p["lr"]: p for p in descent()["paths"]}


def test_lr_01_reaches_the_minimum(paths: dict) -> None:
    expected = [0.8**100 * -3, 0.8**100 * 4]  # (1 − 2·0.1)^100 · (−3, 4) ≈ (−6.1e-10, 8.1e-10)
    np.testing.assert_allclose(paths[0.1]["final"], expected, rtol=1e-6)
    assert math.hypot(*paths[0.1]["final"]) < 1e-8 and not paths[0.1]["diverged"]


def test_lr_10_diverges(paths: dict) -> None:
    p = paths[10.0]
    assert p["diverged"] and math.hypot(*p["final"]) > 1e6
    # each early step multiplies by (1 − 20) = −19, until x ± h rounds to x
    np.testing.assert_allclose(p["points"][1], [-3 * -19, 4 * -19], rtol=1e-6)
    assert p["final"][0] == pytest.approx(-2.58983747e13, rel=1e-6)  # the book's number


def test_lr_1e10_barely_moves(paths: dict) -> None:
    p = paths[1e-10]
    np.testing.assert_allclose(p["final"], [-3 * (1 - 2e-10) ** 100, 4 * (1 - 2e-10) ** 100],
                               rtol=1e-9)
    assert max(abs(p["final"][0] + 3), abs(p["final"][1] - 4)) < 1e-6


def test_gradient_field_points_downhill() -> None:
    f = descent(steps=1)["field"]
    for x, y, u, v in zip(f["x"], f["y"], f["u"], f["v"], strict=True):
        assert u == pytest.approx(-2 * x, abs=1e-6) and v == pytest.approx(-2 * y, abs=1e-6)


def test_bad_lr_names_the_field() -> None:
    with pytest.raises(LabError) as err:
        descent(lrs=[0.0])
    assert err.value.field == "lrs.0"


def test_numerical_gradients_train_like_backprop() -> None:
    from nnplayground.labs.base import Hooks
    from nnplayground.labs.numerical import numerical_training

    msgs: list[dict] = []
    r = numerical_training(hidden=3, train_size=20, batch_size=2, steps=2,
                           hooks=Hooks(report=msgs.append))
    num, back = r["curves"]["numerical"]["loss"], r["curves"]["backprop"]["loss"]
    # same start, same batches: the central difference (h = 1e-4, float64) gives the same
    # gradients as backprop to many digits, so the second losses agree too
    assert num[0] == back[0] and num[1] == pytest.approx(back[1], rel=1e-7)
    assert r["parameters"] == 784 * 3 + 3 + 3 * 10 + 10
    assert [m["method"] for m in msgs] == ["numerical"] * 2 + ["backprop"] * 2
