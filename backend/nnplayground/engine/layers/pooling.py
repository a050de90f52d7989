"""MaxPool2D and AvgPool2D over (N, C, H, W).

Both loop over the ph*pw offsets inside a window: each offset is one strided view of the
whole batch with the output's shape, so there is no im2col copy at all and any stride,
overlapping or not, works the same way.  Max pooling records which offset won (the first
one on ties, like argmax) in a small integer array; backward routes the gradient there.
Padding: max pools pad with -inf (padding never wins); avg pools pad with zeros that
count in the mean (PyTorch's count_include_pad=True).

Channels never mix, so on a batch each core pools its own range of channels
(parallel.split; one part on the reference path).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import parallel
from ..core import LAYERS, Layer, Shape, SpecError
from ..im2col import empty_in_order, in_order, memory_order, out_size, pad_images
from ._validate import image_shape, int_pair, non_negative_int


class _Pool2D(Layer):
    input_order = "keeps"  # every buffer in the input's order (_like_input, _grad_buffer)

    def __init__(
        self,
        pool_size: int | list[int] | tuple[int, int] = 2,
        stride: int | list[int] | tuple[int, int] | None = None,
        padding: int = 0,
    ) -> None:
        super().__init__()
        self.pool_size = int_pair(pool_size, "pool_size")
        self.stride_arg = stride
        self.stride = self.pool_size if stride is None else int_pair(stride, "stride")
        self.padding = non_negative_int(padding, "padding")
        if 2 * self.padding > min(self.pool_size):
            raise SpecError(
                f"must be at most half the pool size {list(self.pool_size)}, got {padding!r}",
                field="padding",
                code="spec.pool_padding",
                params={"value": padding, "pool": list(self.pool_size)},
            )
        self.x_shape: tuple[int, ...] | None = None
        self.order: tuple[int, ...] = (0, 1, 2, 3)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        c, h, w = image_shape(input_shape, type(self).registry_name)  # type: ignore[attr-defined]
        (ph, pw), p = self.pool_size, self.padding
        if ph > h + 2 * p or pw > w + 2 * p:
            raise SpecError(f"pool {ph}x{pw} is larger than its input {h}x{w}", field="pool_size",
                            code="spec.pool_too_large", params={"pool": f"{ph}x{pw}",
                                                                "input": f"{h}x{w}"})
        return (c, out_size(h, ph, self.stride[0], p), out_size(w, pw, self.stride[1], p))

    def _offsets(self, xp: np.ndarray):
        """Yield (offset number, slices) for every position inside the window."""
        _, oh, ow = self.output_shape
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        for i in range(ph):
            for j in range(pw):
                rows = slice(i, i + sh * (oh - 1) + 1, sh)
                cols = slice(j, j + sw * (ow - 1) + 1, sw)
                yield i * pw + j, (slice(None), slice(None), rows, cols)

    @staticmethod
    def _per_channels(fn, x: np.ndarray) -> None:
        """fn(lo, hi) over channel ranges: one per core for a batch, else all at once."""
        c = x.shape[1]
        if parallel.enabled() and x.size >= parallel.MIN_ELEMENTWISE:
            parallel.split(lambda _, lo, hi: fn(lo, hi), c)
        else:
            fn(0, c)

    def _like_input(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """An empty output-shaped array in x's memory order (channel-major after a conv,
        pixel-major after a one-channel first conv): every offset's pass then streams."""
        return empty_in_order((x.shape[0], *self.output_shape), memory_order(x), dtype)

    def _unpad(self, dxp: np.ndarray) -> np.ndarray:
        p = self.padding
        if p == 0:
            return dxp
        return dxp[:, :, p : dxp.shape[2] - p, p : dxp.shape[3] - p]

    @property
    def _overlapping(self) -> bool:
        return self.stride[0] < self.pool_size[0] or self.stride[1] < self.pool_size[1]

    def _remember_input(self, x: np.ndarray) -> None:
        self.x_shape = x.shape
        self.order = memory_order(x)

    def _in_input_layout(self, grad: np.ndarray) -> np.ndarray:
        # A gradient in another order than the forward input (and so ``winner``) would
        # make every per-offset pass below stride: one small relayout first (measured 7.4
        # -> 2.8 ms on SimpleConvNet's pool, channel-major against N-major).
        return in_order(grad, self.order)

    def _grad_buffer(self, grad: np.ndarray) -> np.ndarray:
        # Same memory order as the forward input (e.g. channel-major after a conv): the
        # ReLU and Conv2D backward steps that follow then run on matching layouts and the
        # conv's reshape is free.  When the windows tile the input exactly, every cell is
        # written once and zero-filling would be wasted work.
        n, c, h, w = self.x_shape
        hp, wp = h + 2 * self.padding, w + 2 * self.padding
        _, oh, ow = self.output_shape
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        tiled = not self._overlapping and oh * sh == hp and ow * sw == wp and (sh, sw) == (ph, pw)
        buf = empty_in_order((n, c, hp, wp), self.order, grad.dtype)
        if not tiled:
            buf[...] = 0
        return buf

    def config_params(self) -> dict[str, Any]:
        ph, pw = self.pool_size
        stride = self.stride_arg
        if isinstance(stride, tuple):
            stride = list(stride)
        size = ph if ph == pw else [ph, pw]
        return {"pool_size": size, "stride": stride, "padding": self.padding}


@LAYERS.register("maxpool2d", "maxpool", "max_pool2d")
class MaxPool2D(_Pool2D):
    selects_maximum = True

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        xp = pad_images(x, self.padding, -np.inf)
        offsets = list(self._offsets(xp))
        out = self._like_input(x, x.dtype)
        code = np.uint8 if len(offsets) <= 255 else np.int32
        winner = self._like_input(x, code) if training else None
        # Training reads each offset's strided view twice (compare, max): one strided copy
        # into contiguous scratch first makes both contiguous.  In a training step: 3.99 ->
        # 3.26 ms (SimpleConvNet's pool), 5.75 -> 5.23 ms (DeepConvNet's three), A/B in one
        # process.  Backward's strided writes gained nothing from the same trick.
        scratch = self._like_input(x, x.dtype) if training else None

        def pool(lo: int, hi: int) -> None:
            src, best = xp[:, lo:hi], out[:, lo:hi]
            best[...] = src[offsets[0][1]]
            if winner is None:  # inference: no winners to remember
                for _, sl in offsets[1:]:
                    np.maximum(best, src[sl], out=best)
                return
            won, view = winner[:, lo:hi], scratch[:, lo:hi]
            won[...] = 0
            # The masks in won's memory order, made once: a fresh `view > best` and its
            # product with k each offset cost 0.41 against 0.38 ms (SimpleConvNet's pool,
            # 50 images, one core) and 0.20 against 0.16 (DeepConvNet's second); whole steps
            # with this and backward's mask, within the noise: x0.908 and x1.013
            # (SimpleConvNet, two trees, 12 pairs each), x0.994 (DeepConvNet, 8).
            better, code_k = np.empty_like(won, dtype=bool), np.empty_like(won)
            for k, sl in offsets[1:]:
                view[...] = src[sl]
                np.greater(view, best, out=better)  # strict: on ties the first maximum wins
                # Offsets come in increasing k, so the winner is the largest k that was
                # better: a maximum, which is much cheaper than a masked assignment.
                np.multiply(better.view(np.uint8), code(k), out=code_k)
                np.maximum(won, code_k, out=won)
                np.maximum(best, view, out=best)

        self._per_channels(pool, x)
        if training:
            self.winner = winner
            self._remember_input(x)
        return out

    def inference_step(self, x_shape: tuple[int, ...], dtype: Any) -> Any | None:
        if self.pool_size != (2, 2) or self.stride != (2, 2) or self.padding:
            return None
        from ..plan import MaxPoolStep

        return MaxPoolStep(x_shape, self.output_shape, dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._in_input_layout(grad)
        dxp = self._grad_buffer(grad)
        offsets = list(self._offsets(dxp))

        def route(lo: int, hi: int) -> None:
            g, won, dst = grad[:, lo:hi], self.winner[:, lo:hi], dxp[:, lo:hi]
            hit = np.empty_like(won, dtype=bool)  # in won's order: 0.52 -> 0.40 ms, as above
            for k, sl in offsets:
                np.equal(won, k, out=hit)
                if self._overlapping:
                    dst[sl] += g * hit
                else:
                    np.multiply(g, hit, out=dst[sl])

        self._per_channels(route, grad)
        return self._unpad(dxp)


@LAYERS.register("avgpool2d", "avgpool", "avg_pool2d")
class AvgPool2D(_Pool2D):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if training:
            self._remember_input(x)
        xp = pad_images(x, self.padding)
        offsets = list(self._offsets(xp))
        out = self._like_input(x, x.dtype)
        scale = out.dtype.type(1.0 / len(offsets))

        def pool(lo: int, hi: int) -> None:
            src, total = xp[:, lo:hi], out[:, lo:hi]
            total[...] = src[offsets[0][1]]
            for _, sl in offsets[1:]:
                total += src[sl]
            total *= scale

        self._per_channels(pool, x)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._in_input_layout(grad)
        dxp = self._grad_buffer(grad)
        offsets = list(self._offsets(dxp))
        scale = grad.dtype.type(1.0 / (self.pool_size[0] * self.pool_size[1]))

        def spread(lo: int, hi: int) -> None:
            share, dst = grad[:, lo:hi] * scale, dxp[:, lo:hi]
            for _, sl in offsets:
                if self._overlapping:
                    dst[sl] += share
                else:
                    dst[sl] = share

        self._per_channels(spread, grad)
        return self._unpad(dxp)
