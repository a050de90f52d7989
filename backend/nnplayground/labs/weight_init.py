"""Initial weight values (the book, ch. 6 §6.2).

``histograms``: weight_init_activation_histogram.py — 1,000 standard-normal inputs with 100
features through 5 layers of 100 units; histogram of each layer's activations for each init
and activation.  ``compare``: weight_init_compare.py — the same MNIST network trained with
std 0.01, Xavier and He init; std 0.01 never leaves loss 2.30.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.model import Sequential
from .base import QUIET, Hooks, LabError, check_int
from .common import compile_classifier, mlp, mnist_subset, smooth, train_side_by_side

# The book's four choices, as engine initialiser configs.
INITS: dict[str, Any] = {
    "std1": {"name": "normal", "std": 1.0},
    "std0.01": {"name": "normal", "std": 0.01},
    "xavier": "xavier_normal",
    "he": "he",
}
ACTIVATIONS = ["sigmoid", "tanh", "relu"]
# Histogram ranges: the book bins sigmoid outputs on (0, 1); tanh lives on (−1, 1); ReLU
# outputs are ≥ 0 and, with a sane init, mostly below 1.
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 1.0)}


def _activations(init: Any, activation: str, x: np.ndarray, layers: int, units: int,
                 seed: int) -> list[np.ndarray]:
    # No bias, as in the book's script: a = x·W, z = f(a).
    spec = {"input_shape": [x.shape[1]], "layers": []}
    for _ in range(layers):
        spec["layers"] += [{"type": "dense", "units": units, "init": init, "use_bias": False},
                           {"type": activation}]
    model = Sequential.from_config(spec, rng=np.random.default_rng(seed))
    trace = model.forward_trace(x)
    return [np.asarray(trace[2 * i + 1]) for i in range(layers)]


def histograms(inits: list[str] | None = None, activations: list[str] | None = None,
               samples: int = 1000, features: int = 100, layers: int = 5, bins: int = 30,
               seed: int = 0) -> dict[str, Any]:
    inits = inits or list(INITS)
    activations = activations or ACTIVATIONS
    for name in inits:
        if name not in INITS:
            raise LabError(f"unknown init {name!r}; choose from {', '.join(INITS)}", "inits")
    for name in activations:
        if name not in RANGES:
            raise LabError(f"unknown activation {name!r}; choose from {', '.join(RANGES)}",
                           "activations")
    check_int("samples", samples, 10, 5000)
    check_int("layers", layers, 1, 10)
    check_int("bins", bins, 5, 100)
    x = np.random.default_rng(seed).standard_normal((samples, features)).astype(np.float32)
    panels = []
    for act in activations:
        lo, hi = RANGES[act]
        for init in inits:
            outs = _activations(INITS[init], act, x, layers, features, seed)
            per_layer = []
            for a in outs:
                values = a.ravel()
                zeros = float(np.mean(values == 0)) if act == "relu" else 0.0
                if act == "relu":  # inactive units would dwarf every other bin: count apart
                    values = values[values != 0]
                # int bins + range: numpy's uniform-bin fast path (no sort of 100,000 values)
                counts, _ = np.histogram(np.clip(values, lo, hi), bins=bins, range=(lo, hi))
                per_layer.append({"counts": counts.tolist(), "zeros": zeros,
                                  "mean": float(a.mean()), "std": float(a.std())})
            panels.append({"activation": act, "init": init, "layers": per_layer})
    return {"edges": {a: np.linspace(*RANGES[a], bins + 1).tolist() for a in activations},
            "panels": panels, "samples": samples, "units": features}


def compare(iterations: int = 2000, batch_size: int = 128, train_size: int = 60000,
            inits: list[str] | None = None, lr: float = 0.01, seed: int = 0,
            hooks: Hooks = QUIET) -> dict[str, Any]:
    """weight_init_compare.py: 784 → 100×4 → 10 ReLU, SGD lr 0.01, one random batch per
    iteration shared by all the networks."""
    inits = inits or ["std0.01", "xavier", "he"]
    for name in inits:
        if name not in INITS:
            raise LabError(f"unknown init {name!r}; choose from {', '.join(INITS)}", "inits")
    check_int("iterations", iterations, 1, 5000)
    check_int("batch_size", batch_size, 1, 1000)
    check_int("train_size", train_size, batch_size, 60000)
    if not 0 < lr <= 10:
        raise LabError(f"lr must be in (0, 10], got {lr}", "lr")
    x, y, _, _ = mnist_subset(train_size)
    models = {name: compile_classifier(mlp([100] * 4, init=INITS[name], seed=seed), "sgd", lr)
              for name in inits}
    hooks.report({"phase": "training", "inits": inits})
    losses = train_side_by_side(models, x, y, iterations=iterations, batch_size=batch_size,
                                hooks=hooks, seed=seed)
    return {"iterations": len(next(iter(losses.values()))),
            "final_loss": {n: float(np.mean(v[-50:])) for n, v in losses.items()},
            "smoothed": {n: smooth(v, 20)[::10] for n, v in losses.items()}}
