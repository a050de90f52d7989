"""Two-class 2-D toy sets for the labs (in the spirit of the TensorFlow Playground).

Every set is drawn clean inside roughly [-1, 1]^2 with exactly balanced classes, then jittered
by Gaussian noise of standard deviation ``noise``, then shuffled.  All randomness comes from
``np.random.default_rng(seed)``, so (name, n, noise, seed) fixes the data bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["TOY_CLASSES", "TOY_DATASETS", "make_toy"]

TOY_CLASSES: tuple[str, ...] = ("0", "1")

# The line that separates "linear": points with LINEAR_NORMAL . x > 0 are class 1.
LINEAR_NORMAL = np.array([0.6, -0.8])
LINEAR_MARGIN = 0.1


def _xor(rng: np.random.Generator, label: int, k: int) -> np.ndarray:
    # Class 1 in quadrants I and III (x*y > 0), class 0 in II and IV; a small gap keeps the
    # clean data off the axes so the label is unambiguous at noise 0.
    mag = rng.uniform(0.05, 1.0, size=(k, 2))
    sx = rng.choice([-1.0, 1.0], size=k)
    sy = sx if label == 1 else -sx
    return mag * np.stack([sx, sy], axis=1)


def _circle(rng: np.random.Generator, label: int, k: int) -> np.ndarray:
    # Class 0 inside radius 0.5, class 1 on a ring 0.7..1.0; sqrt keeps the disc uniform.
    r = 0.5 * np.sqrt(rng.uniform(0, 1, k)) if label == 0 else rng.uniform(0.7, 1.0, k)
    theta = rng.uniform(0, 2 * math.pi, k)
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)


def _gaussians(rng: np.random.Generator, label: int, k: int) -> np.ndarray:
    center = np.array([0.5, 0.5]) if label == 1 else np.array([-0.5, -0.5])
    return center + 0.2 * rng.standard_normal((k, 2))


def _spiral(rng: np.random.Generator, label: int, k: int) -> np.ndarray:
    # Two interleaved arms, 1.5 turns each; class 1 is class 0 rotated by half a turn.
    t = rng.uniform(0.05, 1.0, k)
    theta = 3 * math.pi * t + math.pi * label
    return np.stack([t * np.cos(theta), t * np.sin(theta)], axis=1)


def _linear(rng: np.random.Generator, label: int, k: int) -> np.ndarray:
    along = np.array([-LINEAR_NORMAL[1], LINEAR_NORMAL[0]])  # unit vector along the line
    u = rng.uniform(-1.0, 1.0, k)
    d = rng.uniform(LINEAR_MARGIN, 0.8, k) * (1.0 if label == 1 else -1.0)
    return u[:, None] * along + d[:, None] * LINEAR_NORMAL


_GENERATORS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "xor": _xor,
    "circle": _circle,
    "gaussians": _gaussians,
    "spiral": _spiral,
    "linear": _linear,
}

TOY_DATASETS: tuple[str, ...] = tuple(_GENERATORS)


def make_toy(
    name: str, n: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of the toy set ``name``: x float32 (n, 2), y int64 (n,) in {0, 1}.

    Classes get n // 2 and n - n // 2 points.  ``noise`` is the standard deviation of the
    Gaussian jitter added to every point.
    """
    if name not in _GENERATORS:
        raise ValueError(f"unknown toy dataset {name!r}; choose one of: {', '.join(TOY_DATASETS)}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, int | float | np.floating)
        or not math.isfinite(noise)
        or noise < 0
    ):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    n = int(n)
    counts = (n // 2, n - n // 2)
    gen = _GENERATORS[name]
    x = np.concatenate([gen(rng, label, k) for label, k in enumerate(counts)])
    y = np.repeat(np.arange(2, dtype=np.int64), counts)
    if noise > 0:
        x = x + noise * rng.standard_normal(x.shape)
    order = rng.permutation(n)
    return x[order].astype(np.float32), y[order]
