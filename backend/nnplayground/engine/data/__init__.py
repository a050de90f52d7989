"""Datasets: bundled MNIST, Fashion-MNIST / any IDX directory, and 2-D toy sets.

``DATASETS`` describes every dataset name a run may ask for, so the server can list them
(``info.to_dict()``) without knowing how each one is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .idx import IDX_TYPES, DatasetError, parse_idx, read_idx, read_idx_bytes
from .mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DIR,
    IDX_FILES,
    MNIST_CLASSES,
    MNIST_DIR,
    MNIST_SHA256,
    fashion_mnist_available,
    find_idx_file,
    idx_dir_available,
    load_fashion_mnist,
    load_idx_dir,
    load_mnist,
)
from .toy import TOY_CLASSES, TOY_DATASETS, make_toy


@dataclass(frozen=True)
class DatasetInfo:
    """One selectable dataset.  ``kind`` is "image" (IDX, 28x28) or "toy" (2-D points)."""

    name: str
    title: str
    kind: str
    input_shape: tuple[int, ...]
    classes: tuple[str, ...]
    is_available: Callable[[], bool]
    # (train_size, test_size, seed) -> (x, y, x_test, y_test), samples flattened, float32
    fetch: Callable[[int, int, int], tuple[np.ndarray, ...]]
    image_shape: tuple[int, int] | None = None  # how a sample is drawn; None: a point

    def available(self) -> bool:
        return self.is_available()

    def load(self, train_size: int, test_size: int, seed: int = 0) -> tuple[np.ndarray, ...]:
        """The first ``train_size`` / ``test_size`` samples (copies: a view would pin the
        whole 60,000-image arrays for as long as a run keeps its data)."""
        if not self.available():
            raise ValueError(f"dataset {self.name!r} is not installed on this server")
        return self.fetch(train_size, test_size, seed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "input_shape": list(self.input_shape),
            "classes": list(self.classes),
            "available": self.available(),
        }


def _always() -> bool:
    return True


TOY_NOISE = 0.1


def _idx_fetch(loader: Callable[..., Any]) -> Callable[[int, int, int], tuple[np.ndarray, ...]]:
    def fetch(train_size: int, test_size: int, seed: int) -> tuple[np.ndarray, ...]:
        (x, y), (xt, yt) = loader(normalize=True, flatten=True)
        return (x[:train_size].copy(), y[:train_size].copy(), xt[:test_size].copy(),
                yt[:test_size].copy())

    return fetch


def _toy_fetch(name: str) -> Callable[[int, int, int], tuple[np.ndarray, ...]]:
    def fetch(train_size: int, test_size: int, seed: int) -> tuple[np.ndarray, ...]:
        # Test points come from another seed so they are not copies of training points.
        x, y = make_toy(name, n=max(train_size, 2), noise=TOY_NOISE, seed=seed)
        xt, yt = make_toy(name, n=max(test_size, 2), noise=TOY_NOISE, seed=seed + 1_000_003)
        return x, y, xt, yt

    return fetch


_TOY_TITLES = {
    "xor": "XOR (four quadrants)",
    "circle": "Circle inside a ring",
    "gaussians": "Two Gaussian blobs",
    "spiral": "Two spirals",
    "linear": "Linearly separable",
}

DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        "mnist",
        "MNIST handwritten digits",
        "image",
        (1, 28, 28),
        MNIST_CLASSES,
        lambda: idx_dir_available(MNIST_DIR),
        _idx_fetch(load_mnist),
        (28, 28),
    ),
    "fashion_mnist": DatasetInfo(
        "fashion_mnist",
        "Fashion-MNIST",
        "image",
        (1, 28, 28),
        FASHION_MNIST_CLASSES,
        fashion_mnist_available,
        _idx_fetch(load_fashion_mnist),
        (28, 28),
    ),
    **{
        name: DatasetInfo(name, _TOY_TITLES[name], "toy", (2,), TOY_CLASSES, _always,
                          _toy_fetch(name))
        for name in TOY_DATASETS
    },
}


def dataset_info(name: str) -> DatasetInfo:
    """The DATASETS entry for ``name``; a clear error lists the valid names."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}"
        ) from None


__all__ = [
    "DATASETS",
    "DatasetError",
    "DatasetInfo",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DIR",
    "IDX_FILES",
    "IDX_TYPES",
    "MNIST_CLASSES",
    "MNIST_DIR",
    "MNIST_SHA256",
    "TOY_CLASSES",
    "TOY_DATASETS",
    "TOY_NOISE",
    "dataset_info",
    "fashion_mnist_available",
    "find_idx_file",
    "idx_dir_available",
    "load_fashion_mnist",
    "load_idx_dir",
    "load_mnist",
    "make_toy",
    "parse_idx",
    "read_idx",
    "read_idx_bytes",
]
