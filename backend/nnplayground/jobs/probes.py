"""What the page looks at inside a model: activation and weight histograms, conv filters,
per-layer activations of one prediction, and evaluation (confusion matrix + mistakes)."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from ..engine.spec import layer_type

BINS = 30
MAX_MAPS = 16  # feature maps per layer sent with a prediction
MAX_VALUES = 512  # values of a flat layer sent with a prediction
MAX_FILTERS = 64
N_MISTAKES = 12


def rounded(a: np.ndarray, decimals: int = 4) -> np.ndarray:
    """float64 rounded copy: JSON then prints short numbers (0.1234, not 0.12340000271797180),
    and arrays stay arrays until the encoder turns them into lists in one C call."""
    return np.round(np.asarray(a, dtype=np.float64), decimals)


def histogram(values: np.ndarray, bins: int = BINS) -> dict[str, Any]:
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return {"edges": [], "counts": [], "mean": None, "std": None, "nonfinite": int(v.size)}
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
    return {"edges": edges.tolist(), "counts": counts.tolist(), "mean": float(finite.mean()),
            "std": float(finite.std()), "zero_frac": float(np.mean(finite == 0)),
            "nonfinite": int(v.size - finite.size)}


def activation_histograms(model: Any, probe: np.ndarray) -> list[dict[str, Any]]:
    outs = model.forward_trace(probe)
    return [{"index": i, "type": layer_type(layer), **histogram(out)}
            for i, (layer, out) in enumerate(zip(model.layers, outs, strict=False))]


def weight_histograms(model: Any) -> list[dict[str, Any]]:
    rows = []
    for i, layer in enumerate(model.layers):
        for p in layer.parameters():
            rows.append({"index": i, "type": layer_type(layer), "name": p.name,
                         "shape": list(p.value.shape), **histogram(p.value)})
    return rows


def conv_layers(model: Any) -> list[int]:
    """Layers with kernels to draw (each layer says whether it has any)."""
    return [i for i, layer in enumerate(model.layers) if layer.kernels() is not None]


def filters(model: Any, index: int) -> dict[str, Any]:
    """Kernels of conv layer ``index`` as numbers: (filters, channels, kh, kw), capped."""
    kernel = model.layers[index].kernels()
    k = kernel[:MAX_FILTERS, :MAX_MAPS]
    return {"layer": index, "shape": list(kernel.shape), "min": float(k.min()),
            "max": float(k.max()), "kernels": k.tolist()}


def maps_as_bytes(maps: np.ndarray) -> dict[str, Any]:
    """Feature maps as base64 bytes: each map scaled to 0..255 over its own [min, max].

    A map is shown normalised to its own range anyway; one base64 string costs microseconds
    where thousands of JSON numbers cost milliseconds (it keeps /predict within ~5 ms).
    ``range`` gives every map's [min, max] so the real values can be read back.
    """
    lo = maps.min(axis=(1, 2), keepdims=True)
    hi = maps.max(axis=(1, 2), keepdims=True)
    scale = 255.0 / np.maximum(hi - lo, 1e-12)
    scaled = np.rint((maps - lo) * scale).astype(np.uint8)
    return {"shape": list(maps.shape), "data": base64.b64encode(scaled.tobytes()).decode(),
            "range": rounded(np.concatenate([lo, hi], axis=1).reshape(-1, 2))}


def trace_layers(model: Any, outs: list[np.ndarray]) -> list[dict[str, Any]]:
    """Per-layer output for one sample, from ``model.forward_trace(x)``: feature maps for
    3-D outputs, values otherwise."""
    rows = []
    for i, (layer, out) in enumerate(zip(model.layers, outs, strict=False)):
        a = out[0]
        row: dict[str, Any] = {"index": i, "type": layer_type(layer), "shape": list(a.shape)}
        if a.ndim == 3:
            row["feature_maps"] = maps_as_bytes(a[:MAX_MAPS])
        else:
            row["values"] = rounded(a.ravel()[:MAX_VALUES])
        rows.append(row)
    return rows


def class_probs(model: Any, x: np.ndarray) -> np.ndarray:
    """(N, classes) probabilities; a single sigmoid unit becomes two classes."""
    return as_class_probs(model.predict_proba(x))


def evaluate(model: Any, x: np.ndarray, y: np.ndarray, classes: int,
             image_shape: tuple[int, ...] | None = None) -> dict[str, Any]:
    return evaluate_probs(class_probs(model, x), x, y, classes, image_shape)


def as_class_probs(probs: np.ndarray) -> np.ndarray:
    """(N, classes) probabilities; a single sigmoid unit becomes two classes."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1 or probs.shape[1] == 1:
        p1 = probs.reshape(-1)
        probs = np.stack([1 - p1, p1], axis=1)
    return probs


def evaluate_probs(probs: np.ndarray, x: np.ndarray, y: np.ndarray, classes: int,
                   image_shape: tuple[int, ...] | None = None) -> dict[str, Any]:
    """Accuracy, confusion matrix and the most confident mistakes, from probabilities
    already computed (an epoch's evaluation runs the test set through the model once).
    ``image_shape`` (H, W) draws mistakes as images; without it they are points."""
    labels, pred = _labels(y), probs.argmax(axis=1)
    n = max(classes, probs.shape[1])
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    wrong = np.flatnonzero(pred != labels)
    worst = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")[:N_MISTAKES]]
    return {"accuracy": float(np.mean(pred == labels)) if len(labels) else None,
            "count": int(len(labels)), "confusion": confusion.tolist(),
            "mistakes": _items(worst, probs, x, labels, pred, image_shape)}


def cell_probs(probs: np.ndarray, x: np.ndarray, y: np.ndarray, true: int, pred: int,
               image_shape: tuple[int, ...] | None, offset: int, limit: int) -> dict[str, Any]:
    """Every test example of one confusion-matrix cell (true class, predicted class), most
    confident first, one page of ``limit`` from ``offset``: a cell is not only the examples
    that made the top list (2 of 11 did in one cell of an MNIST run)."""
    labels, predicted = _labels(y), probs.argmax(axis=1)
    members = np.flatnonzero((labels == true) & (predicted == pred))
    order = members[np.argsort(-probs[members, pred], kind="stable")]
    page = order[offset:offset + limit]
    return {"true": true, "pred": pred, "total": int(len(members)), "offset": offset,
            "count": int(len(labels)),
            "items": _items(page, probs, x, labels, predicted, image_shape)}


def _labels(y: np.ndarray) -> np.ndarray:
    return y.argmax(axis=1) if y.ndim == 2 else y.astype(np.int64)


def _items(index: np.ndarray, probs: np.ndarray, x: np.ndarray, labels: np.ndarray,
           pred: np.ndarray, image_shape: tuple[int, ...] | None) -> list[dict[str, Any]]:
    image_like = image_shape is not None and math.prod(image_shape) == math.prod(x.shape[1:])
    return [{"index": int(i), "label": int(labels[i]), "pred": int(pred[i]),
             "confidence": float(probs[i, pred[i]]),
             "image": rounded(x[i].reshape(image_shape), 3) if image_like else None,
             "point": None if image_like else x[i].ravel().tolist()}
            for i in index]
