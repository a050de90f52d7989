"""What the deep network gets wrong (the book, ch. 8 §8.1.1, figure 8-3), and how little float16
changes (§8.3.4, half_float_network.py).

The book runs ``misclassified_mnist.py`` on its trained DeepConvNet (``deep_convnet_params.pkl``,
99.38 % in the text) and shows the test images it misreads, the true label in one corner and the
network's answer in the other.  A pickle can run code, so we never load one:
``benchmarks/time_to_accuracy.py --save-deep`` trained our DeepConvNet preset once (the book's
network; the preset's lr schedule, see its description) and saved it as
``data/ch8_deep_convnet.npz``, which ships with the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from ..engine.model import Sequential
from .base import QUIET, Hooks, rounded
from .common import mnist_subset
from .registry import LabParams, lab

WEIGHTS = Path(__file__).with_name("data") / "ch8_deep_convnet.npz"
BOOK_ACCURACY = 0.9938  # §8.1.1: the DeepConvNet trained by train_deepnet.py
CHUNK = 500  # test images per step: the figure grows while the rest is computed
SIDE = 28


class Params(LabParams):
    test_size: Annotated[int, Field(ge=100, le=10000)] = 10000
    float16: bool = True  # also measure with the weights rounded to float16 (§8.3.4)


def trained_network() -> Sequential:
    return Sequential.load(WEIGHTS)


def _probs(model: Sequential, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x.reshape(-1, 1, SIDE, SIDE), batch_size=len(x)))


@lab("misclassified", Params, section="8.1.1")
def run(test_size: int, float16: bool, hooks: Hooks = QUIET) -> dict[str, Any]:
    """Every test image the shipped DeepConvNet misreads, CHUNK images at a time (each report
    carries the new ones), then the accuracy with float16 weights."""
    _, _, x, y = mnist_subset(0, test_size)
    model = trained_network()
    wrong: list[dict[str, Any]] = []
    hits = done = 0
    for start in range(0, test_size, CHUNK):
        if hooks.stopped():
            break
        probs = _probs(model, x[start:start + CHUNK])
        pred = probs.argmax(axis=1)
        labels = y[start:start + CHUNK]
        hits += int((pred == labels).sum())
        done += len(labels)
        new = [{"index": int(start + i), "label": int(labels[i]), "pred": int(pred[i]),
                "confidence": round(float(probs[i, pred[i]]), 4),
                "image": rounded(x[start + i].reshape(SIDE, SIDE), 3)}
               for i in np.flatnonzero(pred != labels)]
        wrong += new
        hooks.report({"done": done, "test_size": test_size, "accuracy": hits / done,
                      "new": new})
    result: dict[str, Any] = {
        "test_size": done, "accuracy": hits / done if done else float("nan"),
        "book_accuracy": BOOK_ACCURACY, "misclassified": len(wrong),
        "by_pair": _pairs(wrong), "params": model.count_params()}
    if float16 and done == test_size and not hooks.stopped():
        result["float16_accuracy"] = _float16_accuracy(model, x, y)
    return result


def _pairs(wrong: list[dict[str, Any]]) -> list[list[int]]:
    """10×10 counts of (true, predicted) among the mistakes: which digits pass for which."""
    counts = np.zeros((10, 10), dtype=int)
    for m in wrong:
        counts[m["label"], m["pred"]] += 1
    return counts.tolist()


def _float16_accuracy(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """The book's half_float_network.py: every parameter cast to float16 (the arithmetic with
    float32 inputs then runs in float32, as NumPy upcasts there too)."""
    weights = model.get_weights()
    model.set_weights([w.astype(np.float16).astype(np.float32) for w in weights])
    try:
        hits = sum(int((_probs(model, x[i:i + CHUNK]).argmax(axis=1) == y[i:i + CHUNK]).sum())
                   for i in range(0, len(x), CHUNK))
    finally:
        model.set_weights(weights)
    return hits / len(x)
