"""Neural networks (the book, ch. 3): the activation functions of §3.2 and §3.5, and the
inference of §3.6 (neuralnet_mnist.py, neuralnet_mnist_batch.py) with a 784-50-100-10 sigmoid
network.

The book loads trained weights from ``sample_weight.pkl``; a pickle can run code, so we never
load one.  ``scripts/train_ch3_weights.py`` trained the same network once (the book's ch. 4
settings) and saved it as ``data/ch3_sample_weight.npz``, which ships with the package.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from ..engine.layers import LAYERS
from ..engine.layers.activations import softmax
from ..engine.model import Sequential
from .base import rounded
from .common import mnist_subset
from .registry import LabParams, lab

WEIGHTS = Path(__file__).with_name("data") / "ch3_sample_weight.npz"
CH3_SPEC = {"name": "neuralnet_mnist", "input_shape": [784], "layers": [
    {"type": "dense", "units": 50, "init": "xavier_normal"}, {"type": "sigmoid"},
    {"type": "dense", "units": 100, "init": "xavier_normal"}, {"type": "sigmoid"},
    {"type": "dense", "units": 10, "init": "xavier_normal"}]}
BOOK_ACCURACY = 0.9352  # neuralnet_mnist.py with the book's sample_weight.pkl
FUNCTIONS = ("step", "sigmoid", "relu")


class FunctionParams(LabParams):
    low: Annotated[float, Field(ge=-50, le=0)] = -5.0
    high: Annotated[float, Field(gt=0, le=50)] = 5.0
    points: Annotated[int, Field(ge=11, le=2001)] = 201
    # The book's softmax example (§3.5.1): a = [0.3, 2.9, 4.0] -> [0.018, 0.245, 0.737].
    logits: Annotated[list[Annotated[float, Field(ge=-1e4, le=1e4)]],
                      Field(min_length=2, max_length=10)] = [0.3, 2.9, 4.0]


@lab("activation_functions", FunctionParams, kind="instant", route="/activations",
     section="3.2")
def functions(low: float, high: float, points: int, logits: list[float]) -> dict[str, Any]:
    """step / sigmoid / ReLU on [low, high], computed by the engine's own layers, and the
    softmax of ``logits`` (stable even for the book's overflow example [1010, 1000, 990])."""
    x = np.linspace(low, high, points, dtype=np.float32).reshape(-1, 1)
    curves = {}
    for name in FUNCTIONS:
        layer = LAYERS.create(name)
        layer.build((1,), np.random.default_rng(0))
        curves[name] = rounded(layer.forward(x, training=False).ravel(), 5)
    a = np.asarray([logits], dtype=np.float64)
    y = softmax(a, axis=1)[0]
    return {"x": rounded(x.ravel(), 4), "curves": curves, "softmax": {
        "logits": list(logits), "outputs": rounded(y, 5), "sum": float(y.sum())}}


class InferenceParams(LabParams):
    test_size: Annotated[int, Field(ge=100, le=10000)] = 10000
    batch_size: Annotated[int, Field(ge=1, le=10000)] = 100
    one_by_one: Annotated[int, Field(ge=10, le=10000)] = 2000


def trained_network() -> Sequential:
    return Sequential.load(WEIGHTS)


def _float16_predict(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The book's predict() (neuralnet_mnist.py) with float16 numbers, as half_float_network.py
    casts its parameters.  Weights, inputs and every layer's output are rounded to float16;
    the sums of products run in float32, since NumPy has no fast float16 matrix product (a
    true float16 product took 16 s for the 10,000 images here, this takes milliseconds).
    Sigmoid on every layer but the last (softmax does not change the argmax)."""
    half = [w.astype(np.float16).astype(np.float32) for w in weights]
    a = x.astype(np.float16)
    for i in range(0, len(half), 2):
        z = a.astype(np.float32) @ half[i] + half[i + 1]
        a = (z if i + 2 == len(half) else 0.5 * (1 + np.tanh(z / 2))).astype(np.float16)
    return a


def _hits(model: Sequential, x: np.ndarray, y: np.ndarray, batch: int) -> int:
    hits = 0
    for i in range(0, len(x), batch):
        out = np.asarray(model.predict(x[i:i + batch], batch_size=batch))
        hits += int((out.argmax(axis=1) == y[i:i + batch]).sum())
    return hits


@lab("mnist_inference", InferenceParams, kind="instant", route="/mnist-inference",
     section="3.6")
def inference(test_size: int, batch_size: int, one_by_one: int) -> dict[str, Any]:
    """Accuracy of the shipped network; images one at a time vs ``batch_size`` at a time
    (same answers, very different speed); and float16 vs float32 (the book, §8.3.4: nearly
    identical), on this network since the book's DeepConvNet weights are not shipped."""
    _, _, x, y = mnist_subset(0, test_size)
    model = trained_network()
    t0 = time.perf_counter()
    hits = _hits(model, x, y, batch_size)
    batched = time.perf_counter() - t0
    n = min(one_by_one, test_size)
    t0 = time.perf_counter()
    single_hits = _hits(model, x[:n], y[:n], 1)
    single = time.perf_counter() - t0
    half = int((_float16_predict(model.get_weights(), x).argmax(axis=1) == y).sum())
    layers = [{"name": f"W{i // 2 + 1}" if i % 2 == 0 else f"b{i // 2 + 1}",
               "shape": list(w.shape)} for i, w in enumerate(model.get_weights())]
    return {"accuracy": hits / test_size, "book_accuracy": BOOK_ACCURACY,
            "test_size": test_size, "weights": layers, "batch_size": batch_size,
            "ms_per_image": {"batch": 1000 * batched / test_size, "one_by_one": 1000 * single / n},
            "one_by_one_accuracy": single_hits / n, "one_by_one_images": n,
            "float16_accuracy": half / test_size, "spec": CH3_SPEC}
