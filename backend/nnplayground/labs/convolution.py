"""Convolutional networks (the book, ch. 7).

``im2col`` (§7.4.3): a small image unrolled by the engine's own ``im2col``: which patch becomes
which column, and max pooling of the same image (§7.3).  The engine stores one patch per
COLUMN, (C·FH·FW, N·OH·OW), so one GEMM covers the batch; the book's util.im2col stores one
patch per ROW, (N·OH·OW, C·FH·FW): the same numbers, transposed.
``filters`` (§7.6, figure 7-24): the SimpleConvNet's 30 first-layer 5×5 filters before and
after training with the book's settings (init N(0, 0.01²), Adam lr 0.001, batch 100), and
the 30 filtered images of one digit.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from ..engine.im2col import im2col as engine_im2col
from ..engine.im2col import out_size
from ..engine.layers import MaxPool2D
from ..engine.model import Sequential
from .base import QUIET, Hooks, LabError, rounded
from .common import Seed, accuracy, compile_classifier, mnist_subset
from .registry import LabParams, lab

BOOK_IMAGE = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)


class Im2colParams(LabParams):
    image: Annotated[list[list[float]], Field(min_length=2, max_length=8)] | None = None
    filter_size: Annotated[int, Field(ge=1, le=4)] = 2
    stride: Annotated[int, Field(ge=1, le=3)] = 1
    pad: Annotated[int, Field(ge=0, le=2)] = 0
    pool: Annotated[int, Field(ge=1, le=4)] = 2

    @model_validator(mode="after")
    def _fits(self) -> Im2colParams:
        rows = self.image if self.image is not None else BOOK_IMAGE[0, 0].tolist()
        if any(len(r) != len(rows[0]) for r in rows):
            raise LabError("image rows must all have the same length", "image",
                           code="ragged_image")
        side = min(len(rows), len(rows[0])) + 2 * self.pad
        if self.filter_size > side:
            raise LabError(f"filter_size {self.filter_size} is larger than the padded image "
                           f"({side})", "filter_size", code="filter_too_large")
        return self


@lab("im2col", Im2colParams, kind="instant", route="/conv/im2col", section="7.4.3")
def im2col(image: list[list[float]] | None, filter_size: int, stride: int, pad: int,
           pool: int) -> dict[str, Any]:
    x = BOOK_IMAGE if image is None else np.asarray(image, np.float32)[None, None]
    _, _, h, w = x.shape
    oh, ow = out_size(h, filter_size, stride, pad), out_size(w, filter_size, stride, pad)
    cols = engine_im2col(x, filter_size, filter_size, stride, pad)  # (FH·FW, OH·OW)
    patches = [{"column": r * ow + c, "out": [r, c], "top_left": [r * stride - pad,
                                                                  c * stride - pad]}
               for r in range(oh) for c in range(ow)]
    pooled: dict[str, Any] | None = None
    if pool <= min(h, w):
        layer = MaxPool2D(pool)
        layer.build((1, h, w), np.random.default_rng(0))
        pooled = {"size": pool, "stride": pool,
                  "output": rounded(layer.forward(x, training=False)[0, 0])}
    return {"image": rounded(x[0, 0]), "filter_size": filter_size, "stride": stride,
            "pad": pad, "out_shape": [oh, ow], "columns": rounded(cols),
            "book_rows": rounded(cols.T), "patches": patches, "pooling": pooled}


class FilterParams(LabParams):
    iterations: Annotated[int, Field(ge=10, le=6000)] = 1200
    train_size: Annotated[int, Field(ge=100, le=60000)] = 60000
    test_size: Annotated[int, Field(ge=100, le=10000)] = 1000
    report_every: Annotated[int, Field(ge=10, le=1000)] = 200
    digit_index: Annotated[int, Field(ge=0, le=9999)] = 0
    seed: Seed = 0


SIMPLE_CONV_NET = {"name": "SimpleConvNet", "input_shape": [1, 28, 28], "layers": [
    {"type": "conv2d", "filters": 30, "kernel_size": 5, "stride": 1, "padding": 0,
     "init": {"name": "normal", "std": 0.01}}, {"type": "relu"},
    {"type": "maxpool2d", "pool_size": 2}, {"type": "flatten"},
    {"type": "dense", "units": 100, "init": {"name": "normal", "std": 0.01}}, {"type": "relu"},
    {"type": "dense", "units": 10, "init": {"name": "normal", "std": 0.01}}]}


def _filters(model: Sequential) -> list:
    return rounded(model.layers[0].parameters()[0].value[:, 0], 4)  # (30, 5, 5)


@lab("conv_filters", FilterParams, section="7.6")
def filters(iterations: int, train_size: int, test_size: int, report_every: int,
            digit_index: int, seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    x, y, xt, yt = mnist_subset(train_size, max(test_size, digit_index + 1))
    x, xt = x.reshape(-1, 1, 28, 28), xt.reshape(-1, 1, 28, 28)
    model = compile_classifier(Sequential.from_config(SIMPLE_CONV_NET,
                                                      rng=np.random.default_rng(seed)),
                               "adam", 0.001)
    before = _filters(model)
    hooks.report({"iteration": 0, "filters": before})
    rng = np.random.default_rng(seed)
    done = 0
    for it in range(1, iterations + 1):
        if hooks.stopped():
            break
        idx = rng.choice(len(x), 100)
        loss = float(model.train_step(x[idx], y[idx]))
        done = it
        if it % report_every == 0 or it == iterations:
            hooks.report({"iteration": it, "iterations": iterations, "loss": loss,
                          "filters": _filters(model)})
    digit = xt[digit_index:digit_index + 1]
    maps = np.asarray(model.forward_trace(digit)[0])[0]  # conv output before ReLU: (30, 24, 24)
    return {"iterations": done, "before": before, "after": _filters(model),
            "test_accuracy": accuracy(model, xt[:test_size], yt[:test_size]),
            "test_size": test_size, "digit": {"index": digit_index, "label": int(yt[digit_index]),
                                              "image": rounded(digit[0, 0], 3),
                                              "maps": rounded(maps, 3)}}
