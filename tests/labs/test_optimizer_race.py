"""The race paths must follow the book's update rules, re-implemented here by hand
(independently of the engine) on f(x, y) = x²/20 + y²."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnplayground.labs.base import LabError
from nnplayground.labs.optimizer_race import SURFACES, race


def grad(x: float, y: float) -> tuple[float, float]:
    return x / 10.0, 2.0 * y


def by_hand(rule: str, lr: float, steps: int, start=(-7.0, 2.0)) -> list[tuple[float, float]]:
    p = list(start)
    v = [0.0, 0.0]  # velocity (momentum, nesterov)
    h = [0.0, 0.0]  # squared-gradient sums (adagrad, rmsprop)
    m = [0.0, 0.0]  # adam first moment
    s = [0.0, 0.0]  # adam second moment
    out = [tuple(p)]
    for t in range(1, steps + 1):
        g = grad(*p)
        for i in range(2):
            if rule == "sgd":
                p[i] -= lr * g[i]
            elif rule == "momentum":
                v[i] = 0.9 * v[i] - lr * g[i]
                p[i] += v[i]
            elif rule == "nesterov":  # the book's form
                v[i] = 0.9 * v[i] - lr * g[i]
                p[i] += 0.81 * v[i] - 1.9 * lr * g[i]
            elif rule == "adagrad":
                h[i] += g[i] ** 2
                p[i] -= lr * g[i] / (math.sqrt(h[i]) + 1e-7)
            elif rule == "rmsprop":
                h[i] = 0.99 * h[i] + 0.01 * g[i] ** 2
                p[i] -= lr * g[i] / (math.sqrt(h[i]) + 1e-7)
            elif rule == "adam":
                m[i] += 0.1 * (g[i] - m[i])
                s[i] += 0.001 * (g[i] ** 2 - s[i])
                lr_t = lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
                p[i] -= lr_t * m[i] / (math.sqrt(s[i]) + 1e-7)
        out.append(tuple(p))
    return out


BOOK_LRS = {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5, "rmsprop": 0.1,
            "adam": 0.3}


@pytest.mark.parametrize("rule", list(BOOK_LRS))
def test_first_steps_match_hand_computed_rules(rule: str) -> None:
    result = race("book", steps=6, grid=False)
    assert result["lrs"][rule] == BOOK_LRS[rule]
    expected = by_hand(rule, BOOK_LRS[rule], 6)
    np.testing.assert_allclose(result["paths"][rule], expected, rtol=1e-9, atol=1e-9)


def test_book_defaults_and_first_sgd_step() -> None:
    r = race(grid=False)
    assert r["start"] == [-7.0, 2.0] and r["steps"] == 30
    assert all(len(p) == 31 for p in r["paths"].values())
    # SGD, lr 0.95: x ← −7 − 0.95·(−0.7) = −6.335 ; y ← 2 − 0.95·4 = −1.8 (the zig-zag)
    assert r["paths"]["sgd"][1] == pytest.approx([-6.335, -1.8])


def test_custom_start_and_lr() -> None:
    r = race("book", start=(3.0, -1.0), steps=3, lrs={"sgd": 0.1}, optimizers=["sgd"],
             grid=False)
    np.testing.assert_allclose(r["paths"]["sgd"], by_hand("sgd", 0.1, 3, (3.0, -1.0)))


@pytest.mark.parametrize("name", list(SURFACES))
def test_surface_gradients_match_finite_differences(name: str) -> None:
    s = SURFACES[name]
    for x, y in [(0.3, -0.7), (-1.2, 0.9), (1.5, 1.1)]:
        e = 1e-6
        num = ((s.f(x + e, y) - s.f(x - e, y)) / (2 * e), (s.f(x, y + e) - s.f(x, y - e)) / (2 * e))
        assert s.grad(x, y) == pytest.approx(num, rel=1e-5, abs=1e-7)


def test_divergence_stops_the_path_instead_of_overflowing() -> None:
    r = race("book", steps=100, lrs={"sgd": 50.0}, optimizers=["sgd"], grid=False)
    assert len(r["paths"]["sgd"]) < 101
    assert all(math.isfinite(c) for pt in r["paths"]["sgd"] for c in pt)


@pytest.mark.parametrize("kwargs, field", [
    ({"surface": "banana"}, "surface"), ({"steps": 0}, "steps"),
    ({"lrs": {"sgd": -1.0}}, "lrs.sgd"), ({"optimizers": ["lbfgs"]}, "optimizers.0"),
])
def test_bad_parameters_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(LabError) as err:
        race(**kwargs)
    assert err.value.field == field
