"""The computational graphs of §5.4 and the layer backward passes of §5.5-5.6, against values
computed by hand (apples: 100 × 2 × 1.1; with oranges: (100·2 + 150·3) × 1.1)."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.labs.graph import layers, shopping


@pytest.fixture(scope="module")
def graph() -> dict:
    return shopping()


def test_apples_forward_and_backward(graph: dict) -> None:
    g = graph["apples"]
    assert g["price"] == 220
    # d price / d apple = num·tax, / d num = apple·tax, / d tax = apple·num
    assert g["backward"] == {"apple": 2.2, "apple_num": 110, "apple_price": 1.1, "tax": 200,
                             "price": 1.0}


def test_apples_and_oranges(graph: dict) -> None:
    g = graph["apples_oranges"]
    assert g["price"] == 715
    assert g["forward"]["apple_price"] == 200 and g["forward"]["orange_price"] == 450
    assert g["forward"]["all_price"] == 650
    assert g["backward"] == {"apple": 2.2, "apple_num": 110, "orange": 3.3, "orange_num": 165,
                             "apple_price": 1.1, "orange_price": 1.1, "all_price": 1.1,
                             "tax": 650, "price": 1.0}


def test_edited_prices() -> None:
    g = shopping(apple=120, apple_num=3, orange=80, orange_num=1, tax=1.0)["apples_oranges"]
    assert g["price"] == 440 and g["backward"]["apple_num"] == 120
    assert g["backward"]["tax"] == 440


def test_layer_backward_matches_hand_formulas() -> None:
    r = layers()
    x, t = np.array(r["x"]), np.array(r["t"])
    a1, relu, a2, loss = r["steps"]
    w1, b1, w2, b2 = (np.array(a1["W"]), np.array(a1["b"]), np.array(a2["W"]), np.array(a2["b"]))
    h = x @ w1 + b1
    np.testing.assert_allclose(a1["forward"], h, atol=2e-4)
    z = np.maximum(h, 0) @ w2 + b2
    y = np.exp(z - z.max(1, keepdims=True))
    y /= y.sum(1, keepdims=True)
    onehot = np.eye(y.shape[1])[t]
    np.testing.assert_allclose(loss["backward"], (y - onehot) / len(x), atol=2e-4)
    dz = (y - onehot) / len(x)
    np.testing.assert_allclose(a2["dW"], np.maximum(h, 0).T @ dz, atol=2e-4)
    np.testing.assert_allclose(a2["backward"], dz @ w2.T, atol=2e-4)
    dh = (dz @ w2.T) * (h > 0)
    np.testing.assert_allclose(relu["backward"], dh, atol=2e-4)
    np.testing.assert_allclose(a1["dW"], x.T @ dh, atol=2e-4)
    np.testing.assert_allclose(a1["db"], dh.sum(0), atol=2e-4)
    # W and b come back rounded to 4 digits, so the hand-made loss agrees to ~1e-5
    assert r["loss"] == pytest.approx(-np.log(y[np.arange(len(t)), t]).mean(), abs=1e-4)
