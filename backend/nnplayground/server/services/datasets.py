"""Training data for a run: the engine's datasets cut to the requested subset sizes and
reshaped to the model's input shape."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...engine.data import dataset_info, load_fashion_mnist, load_mnist, make_toy

TOY_NOISE = 0.1


@dataclass
class RunData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    kind: str  # "image" or "toy"


def check_available(name: str) -> None:
    info = dataset_info(name)
    if not info.available():
        raise ValueError(f"dataset {name!r} is not installed on this server")


def load(name: str, train_size: int, test_size: int, input_shape: list[int],
         seed: int) -> RunData:
    info = dataset_info(name)
    check_available(name)
    if info.kind == "toy":
        # Test points come from a different seed so they are not copies of training points.
        x, y = make_toy(name, n=max(train_size, 2), noise=TOY_NOISE, seed=seed)
        xt, yt = make_toy(name, n=max(test_size, 2), noise=TOY_NOISE, seed=seed + 1_000_003)
    else:
        loader = load_mnist if name == "mnist" else load_fashion_mnist
        (x, y), (xt, yt) = loader(normalize=True, flatten=True)
        # Copies, not views: a view would pin the whole 60,000/10,000-image arrays in memory
        # for as long as the run is kept.
        x, y = x[:train_size].copy(), y[:train_size].copy()
        xt, yt = xt[:test_size].copy(), yt[:test_size].copy()
    size = math.prod(x.shape[1:])
    if math.prod(input_shape) != size:
        raise ValueError(f"spec.input_shape {input_shape} holds {math.prod(input_shape)} values "
                         f"but {name} samples have {size} (use {list(info.input_shape)})")
    shape = (-1, *input_shape)
    return RunData(x.reshape(shape), y, xt.reshape(shape), yt, list(info.classes), info.kind)


def toy_points(name: str, train_size: int, seed: int, limit: int) -> dict[str, list]:
    """The first ``limit`` training points of a toy-data run, regenerated from its config
    (the same call as ``load``), so they are there after a restart too."""
    if dataset_info(name).kind != "toy":
        raise ValueError(f"dataset {name!r} is not a 2-D toy set: it has no points to plot")
    x, y = make_toy(name, n=max(train_size, 2), noise=TOY_NOISE, seed=seed)
    return {"x": x[:limit].tolist(), "y": y[:limit].tolist()}
