"""``keras.utils``: ``to_categorical`` and ``set_random_seed``."""

from __future__ import annotations

from typing import Any

import numpy as np

_seed_source: list[np.random.Generator] = []


def set_random_seed(seed: int) -> None:
    """Models created afterwards draw their weights, shuffles and dropout masks from
    generators seeded from ``seed``: the same script then trains the same way."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    _seed_source[:] = [np.random.default_rng(int(seed))]


def model_rng() -> np.random.Generator:
    """A generator for a new model: from ``set_random_seed`` if it was called, else fresh."""
    if _seed_source:
        return np.random.default_rng(int(_seed_source[0].integers(2**63)))
    return np.random.default_rng()


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """Class ids (N,) -> one-hot rows (N, num_classes)."""
    ids = np.asarray(y)
    if ids.ndim > 1 and ids.shape[-1] == 1:
        ids = ids.reshape(ids.shape[:-1])
    if ids.size and (not np.all(ids == np.round(ids)) or ids.min() < 0):
        raise ValueError("to_categorical needs class ids: whole numbers >= 0")
    ids = ids.astype(np.int64)
    n = int(ids.max()) + 1 if num_classes is None else int(num_classes)
    if ids.size and ids.max() >= n:
        raise ValueError(f"class id {int(ids.max())} is out of range for num_classes={n}")
    out = np.zeros((*ids.shape, n), dtype=dtype)
    np.put_along_axis(out, ids[..., None], 1, axis=-1)
    return out
