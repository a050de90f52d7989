"""Small-batch inference in one planned pass: the draw pad's single image.

``predict`` on a batch runs layer after layer, each allocating its output.  For one image
that costs more than the arithmetic: DeepConvNet's six convs spend about as long on copies,
bias adds, separate ReLU passes and cache misses between layers (each conv's own column
buffer) as on their GEMMs.  A plan is built once per model, layer list and input shape:

* a stride-1 Conv2D (``layers/conv_step.ConvStep``) keeps a zero-padded input buffer and
  the strip-layout views of conv_fast; the step before it writes straight into that
  buffer's interior;
* its bias is added on the contiguous GEMM output, and a following ReLU (any layer with
  ``elementwise_into``) runs in the copy that drops the strip layout's junk columns;
* a 2x2 max pool of stride 2 (``MaxPoolStep``) takes rows then columns, both reading
  contiguous memory, and writes into the next conv's buffer too;
* every other layer runs its own ``forward`` (``LayerStep``);
* all convs share one column buffer and one product buffer, so the pass stays in cache.

Measured on the Intel AVX-512 VM, one image, median of 3,000 calls: DeepConvNet's predict
486-510 us layer by layer, 335-366 us as a prototype of this plan.  Results agree with the
reference path to float32 rounding (tests/engine/test_plan.py).  Weights are read at every
call (loading weights replaces the arrays); a plan is used by one thread at a time, and a
second thread meanwhile takes the layer-by-layer path.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from . import parallel

# Plans are for the draw pad's few images; bigger batches split over the cores instead.
MAX_IMAGES = 4
MAX_PLANS = 8  # per model: input shapes and layer lists (predict, predict_proba)
# What a plan keeps between calls: DeepConvNet's for one image is about 0.6 MB; a model on
# big images gets no plan rather than tens of MB held per model.
MAX_PLAN_BYTES = 8 << 20
class MaxPoolStep:
    """A 2x2 max pool of stride 2: the max of row pairs, then of column pairs."""

    def __init__(self, x_shape: tuple[int, ...], out_shape: tuple[int, ...], dtype: Any) -> None:
        n, c, _, w = x_shape
        _, oh, ow = out_shape
        self.oh, self.ow = oh, ow
        self.pairs = np.empty((c, n, oh, 2 * ow), dtype)
        self.dest: np.ndarray | None = None
        self.out_shape = (c, n, oh, ow)
        self.act = None

    def sizes(self) -> tuple[int, int]:
        return 0, 0

    def attach(self, cols: np.ndarray, full: np.ndarray) -> None:
        if self.dest is None:
            self.out = np.empty(self.out_shape, self.pairs.dtype)

    def run(self, x: np.ndarray | None) -> np.ndarray | None:
        assert x is not None  # nothing writes into a pool's input
        src = x.transpose(1, 0, 2, 3)[:, :, : 2 * self.oh, : 2 * self.ow]
        np.maximum(src[:, :, 0::2], src[:, :, 1::2], out=self.pairs)
        dest = self.out if self.dest is None else self.dest
        np.maximum(self.pairs[..., 0::2], self.pairs[..., 1::2], out=dest)
        if self.act is not None:
            self.act(dest, dest)
        return None if self.dest is not None else self.out.transpose(1, 0, 2, 3)


class LayerStep:
    """Any other layer: its own inference forward."""

    inner = None
    act = None

    def __init__(self, layer: Any) -> None:
        self.layer = layer

    def sizes(self) -> tuple[int, int]:
        return 0, 0

    def attach(self, cols: np.ndarray, full: np.ndarray) -> None:
        pass

    def run(self, x: np.ndarray | None) -> np.ndarray:
        return self.layer.forward(x, False)


class Plan:
    def __init__(self, steps: list[Any], dtype: Any) -> None:
        for step, following in zip(steps, steps[1:], strict=False):
            if not isinstance(step, LayerStep) and getattr(following, "inner", None) is not None:
                step.dest = following.inner  # write straight into the next conv's input
        cols = max(s.sizes()[0] for s in steps)
        full = max(s.sizes()[1] for s in steps)
        cols_buf, full_buf = np.empty(cols, dtype), np.empty(full, dtype)
        for step in steps:
            step.attach(cols_buf, full_buf)
        self.steps = steps
        self.lock = threading.Lock()

    def run(self, x: np.ndarray) -> np.ndarray:
        value: np.ndarray | None = x
        for step in self.steps:
            value = step.run(value)
        assert value is not None
        # The last value may be a view of a buffer the next call overwrites.
        return value.copy() if value.base is not None else value


def build(layers: list[Any], x: np.ndarray) -> Plan | None:
    """A plan for ``layers`` on inputs shaped like x, or None when it would gain nothing or
    keep more than MAX_PLAN_BYTES (checked on the shapes, before anything is allocated)."""
    # Each layer's input and output, the products and padded copies: at most about this.
    per_image = sum(math.prod(layer.input_shape or ()) + 3 * math.prod(layer.output_shape)
                    for layer in layers)
    if len(x) * per_image * x.dtype.itemsize > MAX_PLAN_BYTES:
        return None
    steps: list[Any] = []
    shape = x.shape
    i = 0
    while i < len(layers):
        layer = layers[i]
        step = layer.inference_step(shape, x.dtype)
        out_shape = (shape[0], *layer.output_shape)
        if step is None:
            steps.append(LayerStep(layer))
        else:
            steps.append(step)
            following = layers[i + 1] if i + 1 < len(layers) else None
            fused = following.elementwise_into() if following is not None else None
            if fused is not None:
                step.act = fused
                i += 1
                out_shape = (shape[0], *following.output_shape)
        shape = out_shape
        i += 1
    if all(isinstance(s, LayerStep) for s in steps):
        return None
    return Plan(steps, x.dtype)


def predict(model: Any, layers: list[Any] | None, x: np.ndarray) -> np.ndarray | None:
    """The output of ``layers`` (None: all the model's) for x through a plan, or None when
    none applies (a big batch, the reference paths, no planned step, or another thread
    using the plan)."""
    if len(x) > MAX_IMAGES or x.ndim != 4 or not parallel.enabled():
        return None
    layers = list(model.layers if layers is None else layers)
    plans = model.__dict__.setdefault("_plans", {})
    key = (tuple(map(id, layers)), x.shape, x.dtype)
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= MAX_PLANS:
            plans.clear()
        plan = plans[key] = build(layers, x) or False
    if plan is False or not plan.lock.acquire(blocking=False):
        return None
    try:
        return plan.run(x)
    finally:
        plan.lock.release()
