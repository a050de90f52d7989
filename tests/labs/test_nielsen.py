"""Nielsen ch. 3: from saturation, cross-entropy learns faster than the quadratic cost;
ch. 4: sigmoid units fit a 1-D function."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnplayground.labs.base import Hooks, LabError
from nnplayground.labs.nielsen import approximate, construction, cost_slowdown


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@pytest.fixture(scope="module")
def slowdown() -> dict:
    return cost_slowdown()  # w = 2, b = 2, x = 1, y = 0, η = 0.15, 300 epochs


def test_first_step_matches_the_hand_computed_gradients(slowdown: dict) -> None:
    a0 = sigmoid(4.0)
    assert slowdown["quadratic"]["output"][0] == pytest.approx(a0, rel=1e-5)
    # quadratic: dC/dw = dC/db = (a − y)·σ'(z)·x ; cross-entropy: (a − y)·x
    gq = a0 * a0 * (1 - a0)
    gc = a0
    assert slowdown["quadratic"]["output"][1] == pytest.approx(sigmoid(4 - 2 * 0.15 * gq), rel=1e-5)
    assert slowdown["cross_entropy"]["output"][1] == pytest.approx(sigmoid(4 - 2 * 0.15 * gc),
                                                                   rel=1e-5)


def test_cross_entropy_escapes_saturation_faster(slowdown: dict) -> None:
    q, c = slowdown["quadratic"]["output"], slowdown["cross_entropy"]["output"]
    # Nielsen's picture: after 50 epochs the quadratic neuron has barely moved from 0.98.
    assert q[50] > 0.9
    assert c[50] < 0.2
    assert all(cv <= qv + 1e-9 for qv, cv in zip(q[1:], c[1:], strict=True))
    assert slowdown["quadratic"]["cost"][-1] < slowdown["quadratic"]["cost"][0]  # it does learn


def test_universal_approximation_fits_and_streams() -> None:
    msgs: list[dict] = []
    r = approximate("sine", hidden=10, iterations=2000, lr=0.1, every=500,
                    hooks=Hooks(report=msgs.append))
    assert [m["iteration"] for m in msgs if "fit" in m] == [500, 1000, 1500, 2000]
    # 0.5·mean squared error; a flat line at the mean would score 0.04
    assert r["loss"] < 0.002


def test_bad_target() -> None:
    with pytest.raises(LabError) as err:
        approximate("zigzag")
    assert err.value.field == "target"


def test_hand_built_bumps_follow_their_formula() -> None:
    r = construction(target="sine", bumps=2, heights=[0.3, 0.7], weight=1000)
    x, out = np.linspace(0, 1, 400), np.array(r["output"])  # r["x"] is rounded to 4 digits
    # two bumps on [0, 0.5) and [0.5, 1]: height h·(σ(w(x − s1)) − σ(w(x − s2)))
    sig = lambda z: 0.5 * (1 + np.tanh(z / 2))  # noqa: E731 - σ without exp overflow
    expected = (0.3 * (sig(1000 * x) - sig(1000 * (x - 0.5)))
                + 0.7 * (sig(1000 * (x - 0.5)) - sig(1000 * (x - 1))))
    np.testing.assert_allclose(out, expected, atol=1e-4)
    inside = (x > 0.05) & (x < 0.45)
    np.testing.assert_allclose(out[inside], 0.3, atol=1e-4)


def test_more_bumps_approximate_better() -> None:
    errors = [construction(bumps=n)["mean_abs_error"] for n in (5, 20, 50)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.02


def test_heights_need_one_per_bump() -> None:
    with pytest.raises(LabError) as err:
        construction(bumps=3, heights=[0.1])
    assert err.value.field == "heights"
