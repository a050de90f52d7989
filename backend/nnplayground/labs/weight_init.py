"""Initial weight values (the book, ch. 6 §6.2).

``histograms``: weight_init_activation_histogram.py — 1,000 standard-normal inputs with 100
features through 5 layers of 100 units; histogram of each layer's activations for each init
and activation.  ``compare``: weight_init_compare.py — the same MNIST network trained with
std 0.01, Xavier and He init; std 0.01 never leaves loss 2.30.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..engine.model import Sequential
from .base import QUIET, Hooks
from .common import (
    BatchSize,
    Lr,
    Seed,
    TrainBatchParams,
    compile_classifier,
    mlp,
    mnist_subset,
    smooth,
    train_side_by_side,
)
from .registry import LabParams, lab

# The book's four choices, as engine initialiser configs.
INITS: dict[str, Any] = {
    "std1": {"name": "normal", "std": 1.0},
    "std0.01": {"name": "normal", "std": 0.01},
    "xavier": "xavier_normal",
    "he": "he",
}
ACTIVATIONS = ["sigmoid", "tanh", "relu"]
# Histogram ranges: the book bins every activation on range=(0, 1) (plt.hist drops values
# outside it); tanh lives on (−1, 1), so it gets that range.
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


InitName = Literal[tuple(INITS)]  # type: ignore[valid-type]


class HistogramParams(LabParams):
    inits: list[InitName] | None = None  # None: all four
    activations: list[Literal[tuple(RANGES)]] | None = None  # type: ignore[valid-type]
    samples: Annotated[int, Field(ge=10, le=5000)] = 1000
    features: Annotated[int, Field(ge=2, le=500)] = 100
    layers: Annotated[int, Field(ge=1, le=10)] = 5
    bins: Annotated[int, Field(ge=5, le=100)] = 30
    seed: Seed = 0


@lab("weight_init_histograms", HistogramParams, kind="instant", route="/weight-init/histograms",
     section="6.2.2")
def histograms(inits: list[str] | None, activations: list[str] | None, samples: int,
               features: int, layers: int, bins: int, seed: int) -> dict[str, Any]:
    inits = inits or list(INITS)
    activations = activations or ACTIVATIONS
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
                if act == "relu":
                    # About half of ReLU's outputs are exactly 0; as one bar they would dwarf
                    # the rest, so they are counted apart and the page shows their fraction.
                    values = values[values != 0]
                # As the book: values outside the range are left out, not piled into the
                # last bin (int bins + range: numpy's fast path, no sort of 100,000 values).
                counts, _ = np.histogram(values, bins=bins, range=(lo, hi))
                per_layer.append({"counts": counts.tolist(), "zeros": zeros,
                                  "outside": float(1 - (counts.sum() + zeros * a.size) / a.size),
                                  "mean": float(a.mean()), "std": float(a.std())})
            panels.append({"activation": act, "init": init, "layers": per_layer})
    return {"edges": {a: np.linspace(*RANGES[a], bins + 1).tolist() for a in activations},
            "panels": panels, "samples": samples, "units": features}


class CompareParams(TrainBatchParams):
    iterations: Annotated[int, Field(ge=1, le=5000)] = 2000
    batch_size: BatchSize = 128
    train_size: Annotated[int, Field(ge=100, le=60000)] = 60000
    inits: list[InitName] | None = None  # None: the book's std 0.01, Xavier and He
    lr: Lr = 0.01
    seed: Seed = 0


@lab("weight_init_compare", CompareParams, section="6.2.4")
def compare(iterations: int, batch_size: int, train_size: int, inits: list[str] | None,
            lr: float, seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    """weight_init_compare.py: 784 → 100×4 → 10 ReLU, SGD lr 0.01, one random batch per
    iteration shared by all the networks."""
    inits = inits or ["std0.01", "xavier", "he"]
    x, y, _, _ = mnist_subset(train_size)
    models = {name: compile_classifier(mlp([100] * 4, init=INITS[name], seed=seed), "sgd", lr)
              for name in inits}
    hooks.report({"phase": "training", "inits": inits})
    losses = train_side_by_side(models, x, y, iterations=iterations, batch_size=batch_size,
                                hooks=hooks, seed=seed)
    return {"iterations": len(next(iter(losses.values()))),
            "final_loss": {n: float(np.mean(v[-50:])) for n, v in losses.items()},
            "smoothed": {n: smooth(v, 20)[::10] for n, v in losses.items()}}
