"""Conv2D's pixel-major path for a one-channel first layer (conv_pixel.py) against its
reference path (conv.py), a gradient check of the path itself, and the layers after it
keeping its memory order.  Chunks are shrunk so small shapes run in several chunks, a
short last one included, and in two parts at once, their products in several blocks
(blas.small_blocks)."""

import numpy as np
import pytest

from nnplayground.engine import blas, parallel
from nnplayground.engine.im2col import memory_order
from nnplayground.engine.layers import Conv2D, Flatten, MaxPool2D, ReLU, conv_fast, conv_pixel

from . import build


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(conv_fast, "MIN_WORK", 0)  # two parts even for tiny batches
    monkeypatch.setattr(conv_pixel, "CHUNK_BYTES", 2000)  # a few output rows a chunk
    monkeypatch.setattr(blas, "SMALL_KERNEL", 3000)  # ... and their products in blocks
    with parallel.only_paths("fast"):
        yield


def first_layer(filters, kernel, padding, size, dtype=np.float32, seed=0):
    (conv,) = build([Conv2D(filters, kernel, 1, padding)], (1, *size), dtype=dtype, seed=seed)
    conv.b.value[:] = np.random.default_rng(seed).standard_normal(filters)
    conv.needs_input_grad = False  # what the model sets on its first layer
    conv.free_output_order = True  # ... when a pool or Flatten follows
    return conv


def step(conv, x, grad):
    y = conv.forward(x, True)
    assert conv.backward(grad) is None
    return y, conv.W.grad.copy(), conv.b.grad.copy()


# (filters, kernel, padding, (height, width), batch)
SHAPES = [
    (30, 5, 0, (12, 12), 7),   # SimpleConvNet's first layer, small
    (16, 3, 1, (10, 9), 5),    # DeepConvNet's 3x3 pad 1, a non-square image
    (4, (3, 2), 2, (6, 7), 3),  # non-square kernel, pad 2
    (3, 1, 0, (5, 5), 4),      # 1x1 kernel
    (2, 5, 0, (5, 5), 6),      # one output pixel
]


@pytest.mark.parametrize("f,kernel,padding,size,n", SHAPES)
def test_pixel_path_agrees_with_reference(small_chunks, f, kernel, padding, size, n):
    rng = np.random.default_rng(n * f)
    conv = first_layer(f, kernel, padding, size)
    x = rng.standard_normal((n, 1, *size)).astype(np.float32)
    grad = rng.standard_normal((n, *conv.output_shape)).astype(np.float32)
    y, dw, db = step(conv, x, grad)
    assert memory_order(y) == conv_pixel.PIXEL_MAJOR  # the pixel path ran
    assert conv.pixel_input is None  # backward consumed what forward kept
    with parallel.only_paths("reference"):
        y_ref, dw_ref, db_ref = step(conv, x, grad)
    assert memory_order(y_ref) != conv_pixel.PIXEL_MAJOR
    for got, want in ((y, y_ref), (dw, dw_ref), (db, db_ref)):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


def test_gradient_matches_central_differences(small_chunks):
    """dW and db of the pixel path itself, float64, against (L(w+e) - L(w-e)) / 2e for
    L = sum(y * r); every weight and bias is checked."""
    rng = np.random.default_rng(3)
    conv = first_layer(3, 3, 1, (6, 5), dtype=np.float64)
    x = rng.standard_normal((4, 1, 6, 5))
    r = rng.standard_normal((4, *conv.output_shape))
    _, dw, db = step(conv, x, r)
    eps = 1e-6
    for param, analytic in ((conv.W, dw), (conv.b, db)):
        numeric = np.empty_like(analytic)
        for i in np.ndindex(param.value.shape):
            keep = param.value[i]
            param.value[i] = keep + eps
            up = np.sum(conv.forward(x, False) * r)
            param.value[i] = keep - eps
            down = np.sum(conv.forward(x, False) * r)
            param.value[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        error = np.abs(analytic - numeric).max() / np.abs(numeric).max()
        assert error < 1e-8, (param.name, error)


def test_applies_only_to_a_one_channel_first_layer_with_free_order(small_chunks):
    x1 = np.ones((2, 1, 6, 6), np.float32)
    conv = first_layer(2, 3, 0, (6, 6))
    assert conv_pixel.applies(conv, x1)
    conv.free_output_order = False  # another conv follows (DeepConvNet): channel-major
    assert not conv_pixel.applies(conv, x1)
    assert memory_order(conv.forward(x1, True)) == (1, 0, 2, 3)
    conv.free_output_order, conv.needs_input_grad = True, True  # not a first layer
    assert not conv_pixel.applies(conv, x1)
    (two,) = build([Conv2D(2, 3)], (2, 6, 6))
    two.needs_input_grad, two.free_output_order = False, True
    assert not conv_pixel.applies(two, np.ones((2, 2, 6, 6)))  # two input channels
    (strided,) = build([Conv2D(2, 3, stride=2)], (1, 6, 6))
    strided.needs_input_grad, strided.free_output_order = False, True
    assert not conv_pixel.applies(strided, x1)


def test_pool_relu_and_flatten_keep_the_pixel_major_order(small_chunks):
    """SimpleConvNet's chain on the pixel-major output: the same numbers as the
    reference path, every intermediate in the conv's order, and the gradients back in it."""
    rng = np.random.default_rng(8)
    conv = first_layer(6, 5, 0, (12, 12))
    pool, relu, flatten = build([MaxPool2D(2), ReLU(), Flatten()], conv.output_shape)
    x = rng.standard_normal((5, 1, 12, 12)).astype(np.float32)
    x[:, :, :4] = 0  # equal windows (MNIST's background): the first maximum wins
    grad = rng.standard_normal((5, 6 * 4 * 4)).astype(np.float32)

    def chain():
        y = conv.forward(x, True)
        p = pool.forward(y, True)
        a = relu.forward(p, True)
        out = flatten.forward(a, True)
        g = flatten.backward(grad)
        orders = [memory_order(t) for t in (y, p, a, g)]
        g = relu.backward(g)
        g = pool.backward(g)
        orders.append(memory_order(g))
        conv.backward(g)
        return out, conv.W.grad.copy(), conv.b.grad.copy(), orders

    *fast, orders = chain()
    assert orders == [conv_pixel.PIXEL_MAJOR] * 5
    with parallel.only_paths("reference"):
        *ref, _ = chain()
    for got, want in zip(fast, ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())
