"""Conv2D via im2col: y[n] = W (F, C*kh*kw) @ cols[n] + b, any kernel, stride and padding.

This file is the reference path, whole batch at once, as a learner reads it next to the
book.  Batches take a fast path instead unless ``parallel.only_paths("reference")`` is on:
conv_fast.py (the same products, chunked, on every core), conv_pixel.py (a one-channel
first layer) or, in training, conv_winograd.py (3x3 stride-1 convs with enough channels,
F(2x2, 3x3)); tests/engine/layers/test_conv_{fast,pixel,winograd}.py check that each
agrees with this one.

The GEMMs run under blas.py's thread policy: one OpenBLAS thread for single-image sized
products, and in training whichever of 1 or all threads the layer measured faster (on a
loaded 2-core box 1 thread was 3.7x faster per DeepConvNet step, on an idle one 2 threads
win).  The math is unchanged by it.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .. import blas, parallel
from ..core import LAYERS, Layer, Parameter, Shape, SpecError
from ..im2col import Workspace, col2im, im2col, out_size
from . import conv_fast, conv_pixel, conv_winograd
from ._validate import image_shape, int_pair, non_negative_int, positive_int
from .conv_step import ConvStep
from .dense import init_to_config, resolve_init


@LAYERS.register("conv2d", "conv", "convolution")
class Conv2D(Layer):
    size_field = "filters"

    def __init__(
        self,
        filters: int,
        kernel_size: int | list[int] | tuple[int, int],
        stride: int = 1,
        padding: int = 0,
        init: Any = "he",
    ) -> None:
        super().__init__()
        self.filters = positive_int(filters, "filters")
        self.kernel_size = int_pair(kernel_size, "kernel_size")
        self.stride = positive_int(stride, "stride")
        self.padding = non_negative_int(padding, "padding")
        self.init = init
        self.initializer = resolve_init(init)
        self.W: Parameter | None = None
        self.b: Parameter | None = None
        self.cols: np.ndarray | None = None
        self.x_shape: tuple[int, ...] | None = None
        # Separate scratch for forward and backward: their column matrices differ in shape.
        self.forward_ws, self.backward_ws = Workspace(), Workspace()
        self.forward_threads, self.backward_threads = blas.ThreadChoice(), blas.ThreadChoice()
        self.scratch = conv_fast.Scratch()
        # Small inference batches (the draw pad's single image) reuse their own buffers
        # (a ConvStep per input shape, or scratch for strided convs) rather than allocating
        # ~0.5 MB of columns per call; a second caller at the same moment (another thread
        # predicting with this model) just gets fresh arrays.
        self.probe: ConvStep | None = None
        self.probe_scratch, self.probe_lock = conv_fast.Scratch(), threading.Lock()
        self.fast_input: np.ndarray | None = None  # set when forward took the fast path
        self.pixel_input: np.ndarray | None = None  # ... or conv_pixel.py's (a first layer)
        self.winograd_kept: list | None = None  # ... or conv_winograd.py's tiles

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        _, h, w = image_shape(input_shape, "conv2d")
        kh, kw = self.kernel_size
        p = self.padding
        if kh > h + 2 * p or kw > w + 2 * p:
            raise SpecError(
                f"kernel {kh}x{kw} is larger than its input {h}x{w} "
                f"(with padding {p}: {h + 2 * p}x{w + 2 * p}); "
                "use a smaller kernel or more padding",
                field="kernel_size",
                code="spec.kernel_too_large",
                params={"kernel": f"{kh}x{kw}", "input": f"{h}x{w}", "padding": p,
                        "padded": f"{h + 2 * p}x{w + 2 * p}"},
            )
        return (
            self.filters,
            out_size(h, kh, self.stride, p),
            out_size(w, kw, self.stride, p),
        )

    def estimate(self, input_shape: Shape, batch_size: int, itemsize: int = 4) -> tuple[int, int]:
        c = input_shape[0]
        kh, kw = self.kernel_size
        _, oh, ow = self.compute_output_shape(tuple(input_shape))
        # im2col's column matrix and the gradient of it (col2im's input), same size
        cols = 2 * c * kh * kw * oh * ow * batch_size * itemsize
        params = self.filters * c * kh * kw + self.filters
        return params, super().estimate(input_shape, batch_size, itemsize)[1] + cols

    def multiply_adds(self) -> int:
        _, oh, ow = self.output_shape
        return self.W.size * oh * ow

    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: Any = np.float32) -> Shape:
        out = super().build(input_shape, rng, dtype)
        c = input_shape[0]
        kh, kw = self.kernel_size
        w = self.initializer(
            (self.filters, c, kh, kw), c * kh * kw, self.filters * kh * kw, rng, self.dtype
        )
        self.W = Parameter(w, "W", decay=True)
        self.b = Parameter(np.zeros(self.filters, self.dtype), "b", decay=False)
        # The Winograd path's forward copies its input into its own order, so reads any.
        self.input_order = "any" if conv_winograd.eligible(self, c) else Layer.input_order
        return out

    def uses_full_conv(self, channels: int) -> bool:
        """Whether dx is computed as a full convolution of the gradient (see below)."""
        kh, kw = self.kernel_size
        return self.stride == 1 and kh == kw and self.padding < kh and self.filters <= 2 * channels

    def inference_step(self, x_shape: tuple[int, ...], dtype: Any) -> Any | None:
        return ConvStep(self, x_shape, dtype) if self.stride == 1 else None

    def _probe(self, x: np.ndarray) -> np.ndarray:
        """A small inference batch on kept buffers: (F, N*OH*OW), as conv_fast.forward."""
        if self.stride != 1:
            return conv_fast.forward(self, x, self.probe_scratch)
        step = self.probe
        if step is None or step.x_shape != x.shape or step.dtype != x.dtype:
            step = self.probe = ConvStep(self, x.shape, x.dtype).alone()
        f, oh, ow = self.output_shape
        step.dest = y = np.empty((f, len(x), oh, ow), x.dtype)  # the caller keeps it
        step.run(x)
        return y.reshape(f, -1)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        x = np.asarray(x, self.dtype)
        kh, kw = self.kernel_size
        f, oh, ow = self.output_shape
        if parallel.enabled():
            if training and conv_pixel.applies(self, x):
                self.pixel_input, y = conv_pixel.forward(self, x, self.scratch)
                self.fast_input, self.cols, self.x_shape = None, None, x.shape
                self.winograd_kept = None
                return y
            if training and conv_winograd.eligible(self, x.shape[1]):
                self.winograd_kept, y = conv_winograd.forward(self, x, self.scratch)
                self.fast_input, self.pixel_input, self.cols = None, None, None
                self.x_shape = x.shape
                return y
            if training:
                y = conv_fast.forward(self, x, self.scratch)
                self.fast_input, self.cols, self.x_shape = x, None, x.shape
                self.pixel_input = self.winograd_kept = None
            elif conv_fast.one_chunk(self, x) and self.probe_lock.acquire(blocking=False):
                try:
                    y = self._probe(x)
                finally:
                    self.probe_lock.release()
            else:
                y = conv_fast.forward(self, x, None)
            return y.reshape(f, x.shape[0], oh, ow).transpose(1, 0, 2, 3)
        # Training reuses one column buffer per layer; inference (possibly on a huge batch)
        # gets a temporary one.
        ws = self.forward_ws if training else None
        cols = im2col(x, kh, kw, self.stride, self.padding, ws)  # (C*kh*kw, N*OH*OW)
        if training:  # an inference pass must not replace what backward will need
            self.cols, self.x_shape, self.fast_input, self.pixel_input = cols, x.shape, None, None
            self.winograd_kept = None
        threads = (
            self.forward_threads.run()
            if training
            else blas.one_thread_if_small(self.W.size * cols.shape[1])
        )
        with threads:
            y = self.W.value.reshape(f, -1) @ cols  # (F, N*OH*OW): one GEMM for the batch
        y += self.b.value[:, None]
        # Channel-major storage viewed as NCHW (see im2col.py for why).
        return y.reshape(f, x.shape[0], oh, ow).transpose(1, 0, 2, 3)

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        if self.pixel_input is not None:
            cols, self.pixel_input = self.pixel_input, None
            conv_pixel.backward(self, cols, grad)
            return None
        if self.winograd_kept is not None:
            kept, self.winograd_kept = self.winograd_kept, None
            return conv_winograd.backward(self, kept, grad, self.scratch,
                                          self.needs_input_grad)
        if self.fast_input is not None:
            x, self.fast_input = self.fast_input, None
            return conv_fast.backward(self, x, grad, self.scratch, self.needs_input_grad)
        with self.backward_threads.run():
            return self._backward(grad)

    def _backward(self, grad: np.ndarray) -> np.ndarray | None:
        f = self.filters
        kh, kw = self.kernel_size
        # (F, N*OH*OW); free when grad is the channel-major view forward produced.
        g = grad.transpose(1, 0, 2, 3).reshape(f, -1)
        # dW^T = cols @ g^T.  The equivalent g @ cols^T (a long reduction into a tiny
        # output) was measured 3-10x slower with 2 OpenBLAS threads.
        self.W.grad.reshape(f, -1)[...] = (self.cols @ g.T).T
        np.sum(g, axis=1, out=self.b.grad)
        self.cols = None
        if not self.needs_input_grad:
            return None
        if self.uses_full_conv(self.x_shape[1]):
            return self._input_grad_full_conv(grad)
        w2t = self.W.value.reshape(f, -1).T
        dcols = np.matmul(
            w2t, g, out=self.backward_ws.get("dcols", (w2t.shape[0], g.shape[1]), g.dtype)
        )
        return col2im(dcols, self.x_shape, kh, kw, self.stride, self.padding)

    def _input_grad_full_conv(self, grad: np.ndarray) -> np.ndarray:
        """Stride 1: dx is a convolution of the gradient (padded by k-1-p) with the kernel
        rotated 180 degrees and its in/out channels swapped.  One im2col + one GEMM beats
        GEMM + k*k scattered slice-adds of col2im when filters <= 2 * channels."""
        n, c, h, w = self.x_shape
        k = self.kernel_size[0]
        cols = im2col(grad, k, k, 1, k - 1 - self.padding, self.backward_ws)  # (F*k*k, N*H*W)
        w_rot = self.W.value[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)
        return (w_rot @ cols).reshape(c, n, h, w).transpose(1, 0, 2, 3)

    def parameters(self) -> list[Parameter]:
        return [p for p in (self.W, self.b) if p is not None]

    def config_params(self) -> dict[str, Any]:
        kh, kw = self.kernel_size
        return {
            "filters": self.filters,
            "kernel_size": kh if kh == kw else [kh, kw],
            "stride": self.stride,
            "padding": self.padding,
            "init": init_to_config(self.init),
        }
