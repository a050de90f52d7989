"""Data augmentation (the book, ch. 8 §8.1.2): small random shifts, rotations and scalings of
the training images, drawn afresh every epoch, on a small training set.

Two identical networks (same initial weights, same batches) train side by side: one on the
images as they are, one on transformed copies.  With few images the plain net memorises them;
the augmented one sees "new" digits every epoch and does better on the test set.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field

from .base import QUIET, Hooks, rounded
from .common import Seed, accuracy, compile_classifier, mlp, mnist_subset
from .registry import LabParams, lab

SIDE = 28


def transform(images: np.ndarray, rng: np.random.Generator, shift: float, rotate: float,
              scale: float) -> np.ndarray:
    """Random affine copies of (N, 784) images: shift up to ``shift`` pixels, rotation up to
    ``rotate`` degrees, zoom by a factor in [1 − scale, 1 + scale], about the centre.
    Inverse mapping with bilinear interpolation, all images at once; outside is 0 (black)."""
    n = len(images)
    img = images.reshape(n, SIDE, SIDE)
    angle = np.deg2rad(rng.uniform(-rotate, rotate, n))
    zoom = rng.uniform(1 - scale, 1 + scale, n)
    dx, dy = rng.uniform(-shift, shift, (2, n))
    c = (SIDE - 1) / 2
    ys, xs = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    # For each output pixel, where it comes from in the input: rotate by −angle, divide by zoom.
    cos, sin = (np.cos(angle) / zoom)[:, None, None], (np.sin(angle) / zoom)[:, None, None]
    u, v = xs[None] - c - dx[:, None, None], ys[None] - c - dy[:, None, None]
    src_x, src_y = cos * u + sin * v + c, -sin * u + cos * v + c
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = src_x - x0, src_y - y0
    out = np.zeros((n, SIDE, SIDE), np.float64)
    idx = np.arange(n)[:, None, None]
    for oy, ox, w in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)),
                      (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        yy, xx = y0 + oy, x0 + ox
        inside = (yy >= 0) & (yy < SIDE) & (xx >= 0) & (xx < SIDE)
        out += w * inside * img[idx, np.clip(yy, 0, SIDE - 1), np.clip(xx, 0, SIDE - 1)]
    return out.reshape(n, -1).astype(images.dtype)


class Params(LabParams):
    train_size: Annotated[int, Field(ge=50, le=10000)] = 500
    test_size: Annotated[int, Field(ge=100, le=10000)] = 10000
    epochs: Annotated[int, Field(ge=1, le=200)] = 40
    batch_size: Annotated[int, Field(ge=1, le=500)] = 50
    shift: Annotated[float, Field(ge=0, le=6)] = 2.0
    rotate: Annotated[float, Field(ge=0, le=45)] = 15.0
    scale: Annotated[float, Field(ge=0, le=0.3)] = 0.1
    eval_every: Annotated[int, Field(ge=1, le=200)] = 5
    seed: Seed = 0


@lab("data_augmentation", Params, section="8.1.2")
def run(train_size: int, test_size: int, epochs: int, batch_size: int, shift: float,
        rotate: float, scale: float, eval_every: int, seed: int,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    x, y, xt, yt = mnist_subset(train_size, test_size)
    rng = np.random.default_rng(seed)
    samples = transform(np.repeat(x[:1], 8, axis=0), rng, shift, rotate, scale)
    hooks.report({"samples": [rounded(s.reshape(SIDE, SIDE), 3) for s in [x[0], *samples]]})
    nets = {name: compile_classifier(mlp([100, 100], init="he", seed=seed), "adam", 0.001)
            for name in ("plain", "augmented")}
    curves: dict[str, list[float]] = {n: [] for n in nets}
    measured: list[int] = []
    for epoch in range(1, epochs + 1):
        if hooks.stopped():
            break
        moved = transform(x, rng, shift, rotate, scale)  # fresh copies every epoch
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch_size):
            b = order[i:i + batch_size]
            nets["plain"].train_step(x[b], y[b])
            nets["augmented"].train_step(moved[b], y[b])
        if epoch % eval_every == 0 or epoch == epochs:
            measured.append(epoch)
            for name, model in nets.items():
                curves[name].append(accuracy(model, xt, yt))
            hooks.report({"epoch": epoch, "epochs": epochs,
                          "test_acc": {n: c[-1] for n, c in curves.items()},
                          "train_acc": {n: accuracy(m, x, y) for n, m in nets.items()}})
    return {"epochs": measured, "test_acc": curves, "train_size": train_size,
            "test_size": test_size,
            "final": {n: c[-1] if c else float("nan") for n, c in curves.items()}}
