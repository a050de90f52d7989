"""Training data for a run: the dataset's own loader, cut to the run's subset sizes and
reshaped to the model's input shape."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.data import TOY_NOISE, dataset_info, make_toy


@dataclass
class RunData:
    x_train: np.ndarray | None
    y_train: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    image_shape: tuple[int, int] | None  # how a sample is drawn (None: a 2-D point)


def load(name: str, train_size: int, test_size: int, input_shape: list[int],
         seed: int) -> RunData:
    info = dataset_info(name)
    x, y, xt, yt = info.load(train_size, test_size, seed)
    size = math.prod(x.shape[1:])
    if math.prod(input_shape) != size:
        raise ValueError(f"spec.input_shape {input_shape} holds {math.prod(input_shape)} values "
                         f"but {name} samples have {size} (use {list(info.input_shape)})")
    shape = (-1, *input_shape)
    return RunData(x.reshape(shape), y, xt.reshape(shape), yt, list(info.classes),
                   info.image_shape)


def toy_points(name: str, train_size: int, seed: int, limit: int) -> dict[str, list]:
    """The first ``limit`` training points of a toy-data run, regenerated from its config
    (the same call as ``load``), so they are there after a restart too."""
    info = dataset_info(name)
    if info.image_shape is not None or info.input_shape != (2,):
        raise ValueError(f"dataset {name!r} is not a 2-D toy set: it has no points to plot")
    x, y = make_toy(name, n=max(train_size, 2), noise=TOY_NOISE, seed=seed)
    return {"x": x[:limit].tolist(), "y": y[:limit].tolist()}
