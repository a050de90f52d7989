"""Datasets: bundled MNIST, Fashion-MNIST / any IDX directory, and 2-D toy sets.

``DATASETS`` describes every dataset name a run may ask for, so the server can list them
(``info.to_dict()``) without knowing how each one is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

    def available(self) -> bool:
        return self.is_available()

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
    ),
    "fashion_mnist": DatasetInfo(
        "fashion_mnist",
        "Fashion-MNIST",
        "image",
        (1, 28, 28),
        FASHION_MNIST_CLASSES,
        fashion_mnist_available,
    ),
    **{
        name: DatasetInfo(name, _TOY_TITLES[name], "toy", (2,), TOY_CLASSES, _always)
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
