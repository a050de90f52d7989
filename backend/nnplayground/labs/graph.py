"""Backpropagation (the book, ch. 5).

``shopping`` (§5.4, buy_apple.py / buy_apple_orange.py, figures 5-16 and 5-17): the
computational graph of buying apples and oranges with tax, built from the book's MulLayer and
AddLayer; the forward value and the backward derivative on every edge.
``layers`` (§5.5-5.6): ReLU, Affine and Softmax-with-Loss forward and backward on a small
batch, step by step, with the engine's own layers and loss.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field

from ..engine.layers import Dense, ReLU
from ..engine.losses import LOSSES
from .base import rounded
from .registry import LabParams, lab


class MulLayer:
    """The book's multiplication node: forward x·y; backward swaps the inputs."""

    def forward(self, x: float, y: float) -> float:
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: float) -> tuple[float, float]:
        return dout * self.y, dout * self.x


class AddLayer:
    """The book's addition node: backward passes the derivative on unchanged."""

    def forward(self, x: float, y: float) -> float:
        return x + y

    def backward(self, dout: float) -> tuple[float, float]:
        return dout, dout


Money = Annotated[float, Field(ge=0, le=100000)]
Count = Annotated[int, Field(ge=0, le=1000)]


class ShoppingParams(LabParams):
    apple: Money = 100
    apple_num: Count = 2
    orange: Money = 150
    orange_num: Count = 3
    tax: Annotated[float, Field(ge=0, le=10)] = 1.1


def _r(v: float) -> float:
    # 100 * 2 * 1.1 is 220.00000000000003 in binary floating point; the book prints 220.
    return round(v, 9)


@lab("shopping_graph", ShoppingParams, kind="instant", route="/graph/shopping",
     section="5.4")
def shopping(apple: float, apple_num: int, orange: float, orange_num: int,
             tax: float) -> dict[str, Any]:
    """Both of the book's graphs: apples only (figure 5-16) and apples and oranges (5-17).
    Each node lists its inputs' forward values and the derivatives backward sends them."""
    mul_apple, mul_tax1 = MulLayer(), MulLayer()
    apple_price = mul_apple.forward(apple, apple_num)
    total1 = mul_tax1.forward(apple_price, tax)
    d_apple_price, d_tax1 = mul_tax1.backward(1.0)
    d_apple1, d_apple_num1 = mul_apple.backward(d_apple_price)
    apples_only = {
        "price": _r(total1),
        "forward": {"apple": apple, "apple_num": apple_num, "apple_price": _r(apple_price),
                    "tax": tax, "price": _r(total1)},
        "backward": {"apple": _r(d_apple1), "apple_num": _r(d_apple_num1),
                     "apple_price": _r(d_apple_price), "tax": _r(d_tax1), "price": 1.0},
        "nodes": [{"op": "×", "inputs": ["apple", "apple_num"], "output": "apple_price"},
                  {"op": "×", "inputs": ["apple_price", "tax"], "output": "price"}]}

    mul_a, mul_o, add, mul_t = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    a_price = mul_a.forward(apple, apple_num)
    o_price = mul_o.forward(orange, orange_num)
    both = add.forward(a_price, o_price)
    total2 = mul_t.forward(both, tax)
    d_both, d_tax = mul_t.backward(1.0)
    d_a_price, d_o_price = add.backward(d_both)
    d_orange, d_orange_num = mul_o.backward(d_o_price)
    d_apple, d_apple_num = mul_a.backward(d_a_price)
    with_oranges = {
        "price": _r(total2),
        "forward": {"apple": apple, "apple_num": apple_num, "orange": orange,
                    "orange_num": orange_num, "apple_price": _r(a_price),
                    "orange_price": _r(o_price), "all_price": _r(both), "tax": tax,
                    "price": _r(total2)},
        "backward": {"apple": _r(d_apple), "apple_num": _r(d_apple_num),
                     "orange": _r(d_orange), "orange_num": _r(d_orange_num),
                     "apple_price": _r(d_a_price), "orange_price": _r(d_o_price),
                     "all_price": _r(d_both), "tax": _r(d_tax), "price": 1.0},
        "nodes": [{"op": "×", "inputs": ["apple", "apple_num"], "output": "apple_price"},
                  {"op": "×", "inputs": ["orange", "orange_num"], "output": "orange_price"},
                  {"op": "+", "inputs": ["apple_price", "orange_price"], "output": "all_price"},
                  {"op": "×", "inputs": ["all_price", "tax"], "output": "price"}]}
    return {"apples": apples_only, "apples_oranges": with_oranges}


class LayersParams(LabParams):
    batch: Annotated[int, Field(ge=1, le=4)] = 2
    inputs: Annotated[int, Field(ge=1, le=4)] = 2
    hidden: Annotated[int, Field(ge=1, le=4)] = 3
    classes: Annotated[int, Field(ge=2, le=4)] = 2
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


@lab("layer_backward", LayersParams, kind="instant", route="/graph/layers", section="5.6")
def layers(batch: int, inputs: int, hidden: int, classes: int, seed: int) -> dict[str, Any]:
    """Affine → ReLU → Affine → Softmax-with-Loss on a tiny batch; every forward output and
    every backward derivative, in the order backpropagation computes them."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_normal((batch, inputs)), 2)
    t = rng.integers(0, classes, size=batch)
    affine1, relu, affine2 = Dense(hidden, init="xavier_normal"), ReLU(), Dense(classes,
                                                                             init="xavier_normal")
    shape: tuple[int, ...] = (inputs,)
    for layer in (affine1, relu, affine2):
        shape = layer.build(shape, rng, dtype=np.float64)
    loss_fn = LOSSES.create("softmax_cross_entropy")
    h1 = affine1.forward(x, training=True)
    r1 = relu.forward(h1, training=True)
    out = affine2.forward(r1, training=True)
    loss = loss_fn.forward(out, t)
    d_out = loss_fn.backward()
    d_r1 = affine2.backward(d_out)
    d_h1 = relu.backward(d_r1)
    d_x = affine1.backward(d_h1)

    def params(layer: Dense) -> dict[str, Any]:
        w, b = (p for p in layer.parameters())
        return {"W": rounded(w.value), "b": rounded(b.value),
                "dW": rounded(w.grad), "db": rounded(b.grad)}

    return {"x": rounded(x), "t": t.tolist(), "loss": float(loss), "steps": [
        {"layer": "Affine1", "forward": rounded(h1), "backward": rounded(d_x),
         **params(affine1), "rule": "dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ dY"},
        {"layer": "ReLU", "forward": rounded(r1), "backward": rounded(d_h1),
         "rule": "dX = dY where X > 0, else 0"},
        {"layer": "Affine2", "forward": rounded(out), "backward": rounded(d_r1),
         **params(affine2), "rule": "dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ dY"},
        {"layer": "SoftmaxWithLoss", "forward": rounded(loss_fn.probs), "backward":
         rounded(d_out), "rule": "dX = (y − t) / N"}]}
