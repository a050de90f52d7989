"""Conv2D's Winograd path (conv_winograd.py) against its reference path (conv.py), a
gradient check of the path itself, when it applies, and a chain of layers keeping its
pixel-major order.  Chunks are shrunk so small shapes run in several, a short last one
included."""

import numpy as np
import pytest

from nnplayground.engine import Sequential, parallel
from nnplayground.engine.im2col import memory_order
from nnplayground.engine.layers import Conv2D, conv_winograd

from . import build

PIXEL_MAJOR = (2, 3, 0, 1)
CHANNEL_MAJOR = (1, 0, 2, 3)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(conv_winograd, "CHUNK_BYTES", 6000)  # a few images a chunk
    with parallel.only_paths("fast"):
        yield


def conv_layer(c, f, padding, size, dtype=np.float32, seed=0, free=False):
    (conv,) = build([Conv2D(f, 3, 1, padding)], (c, *size), dtype=dtype, seed=seed)
    conv.b.value[:] = np.random.default_rng(seed).standard_normal(f)
    conv.needs_input_grad = True
    conv.free_output_order = free
    return conv


def step(conv, x, grad):
    y = conv.forward(x, True)
    dx = conv.backward(grad)
    return y, dx, conv.W.grad.copy(), conv.b.grad.copy()


# (channels, filters, padding, (height, width), batch, output order free)
SHAPES = [
    (32, 32, 1, (8, 8), 5, True),      # DeepConvNet's 8x8 convs, small
    (16, 32, 1, (6, 10), 3, False),    # 16 -> 32, a non-square image, channel-major out
    (32, 16, 2, (6, 4), 4, True),      # padding 2 (DeepConvNet's fourth conv): dx unpadded
    (40, 32, 0, (6, 8), 7, False),     # no padding, the images in chunks of 1 and 2
    (32, 48, 1, (2, 2), 1, True),      # one tile, one image
    # odd outputs: computed a row / column larger on more zero padding, and cropped
    (64, 64, 1, (7, 7), 3, True),      # DeepConvNet's 7x7 convs
    (32, 64, 1, (7, 7), 2, False),     # ... channel-major out
    (16, 16, 0, (9, 8), 3, True),      # no padding: 7x6 out, odd height only
    (16, 32, 2, (5, 3), 2, True),      # padding 2: 7x5 out, both odd
    (16, 16, 1, (1, 1), 2, False),     # a single output pixel
]


@pytest.mark.parametrize("c,f,padding,size,n,free", SHAPES)
def test_winograd_path_agrees_with_reference(small_chunks, c, f, padding, size, n, free):
    rng = np.random.default_rng(n * f + c)
    conv = conv_layer(c, f, padding, size, free=free)
    x = rng.standard_normal((n, c, *size)).astype(np.float32)
    grad = rng.standard_normal((n, *conv.output_shape)).astype(np.float32)
    fast = step(conv, x, grad)
    if n > 1:  # (one image: the orders cannot be told apart)
        assert memory_order(fast[0]) == (PIXEL_MAJOR if free else CHANNEL_MAJOR)
        assert memory_order(fast[1]) == PIXEL_MAJOR  # dx
    assert conv.winograd_kept is None  # backward consumed what forward kept
    with parallel.only_paths("reference"):
        ref = step(conv, x, grad)
    for got, want in zip(fast, ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


@pytest.mark.parametrize("padding,odd", [(0, 0), (1, 0), (2, 0), (1, 1), (0, 1)])
def test_bands_of_several_tile_rows_and_a_short_last_one(monkeypatch, padding, odd):
    """Bands of 2 tile rows over 5 (2 + 2 + 1): the rows two bands share add up in dx; an
    odd output's last band has a row of tiles half outside it."""
    c, f, n, size = 16, 16, 2, (12 - 2 * padding - odd, 8 - 2 * padding - odd)
    conv = conv_layer(c, f, padding, size, free=True)
    assert conv.output_shape[1:] == (10 - odd, 6 - odd)  # 5 x 3 tiles
    monkeypatch.setattr(conv_winograd, "CHUNK_BYTES", 2 * 16 * 3 * n * c * 4)
    rng = np.random.default_rng(padding)
    x = rng.standard_normal((n, c, *size)).astype(np.float32)
    grad = rng.standard_normal((n, *conv.output_shape)).astype(np.float32)
    with parallel.only_paths("fast"):
        assert conv_winograd.band_rows(conv, n) == 2
        fast = step(conv, x, grad)
    with parallel.only_paths("reference"):
        ref = step(conv, x, grad)
    for got, want in zip(fast, ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


@pytest.mark.parametrize("size", [(4, 6), (5, 3)])  # even, and an odd output both ways
def test_gradient_matches_central_differences(small_chunks, size):
    """dW, db and dx of the path itself, float64, against (L(v+e) - L(v-e)) / 2e for
    L = sum(y * r), on every bias and a random third of the weights and inputs."""
    rng = np.random.default_rng(5)
    conv = conv_layer(16, 32, 1, size, dtype=np.float64, free=True)
    x = rng.standard_normal((3, 16, *size))
    r = rng.standard_normal((3, *conv.output_shape))
    y, dx, dw, db = step(conv, x, r)
    assert memory_order(y) == PIXEL_MAJOR  # the Winograd path ran

    def loss() -> float:
        return float(np.sum(conv.forward(x, False) * r))

    eps = 1e-6
    for values, analytic in ((conv.W.value, dw), (conv.b.value, db), (x, dx)):
        picks = [i for i in np.ndindex(values.shape) if values is conv.b.value
                 or rng.random() < 1 / 3]
        numeric = np.empty(len(picks))
        for k, i in enumerate(picks):
            keep = values[i]
            values[i] = keep + eps
            up = loss()
            values[i] = keep - eps
            numeric[k] = (up - loss()) / (2 * eps)
            values[i] = keep
        got = np.array([analytic[i] for i in picks])
        assert np.abs(got - numeric).max() / np.abs(numeric).max() < 1e-7


def test_applies_to_3x3_stride_1_convs_with_enough_channels():
    def eligible(c, f, kernel=3, stride=1, padding=1, size=(8, 8)):
        (conv,) = build([Conv2D(f, kernel, stride, padding)], (c, *size))
        assert conv.input_order == ("any" if conv_winograd.eligible(conv, c) else "fixed")
        return conv_winograd.eligible(conv, c)

    assert eligible(16, 32) and eligible(32, 16) and eligible(64, 64) and eligible(16, 16)
    assert not eligible(8, 64) and not eligible(15, 32)  # measured slower: see MIN_CHANNELS
    assert not eligible(32, 32, kernel=5, padding=2)
    assert not eligible(32, 32, stride=2)
    assert eligible(32, 32, size=(7, 8)) and eligible(64, 64, size=(7, 7))  # odd outputs
    assert not eligible(32, 32, padding=3, size=(4, 4))
    (conv,) = build([Conv2D(32, 3, 1, 1)], (32, 8, 8))
    with parallel.only_paths("reference"):
        conv.forward(np.ones((2, 32, 8, 8)), True)
    assert conv.winograd_kept is None  # the reference path never takes it
    conv.forward(np.ones((2, 32, 8, 8)), False)
    assert conv.winograd_kept is None  # nor does inference


def test_a_conv_stack_keeps_the_pixel_major_order_and_trains_as_the_reference():
    """DeepConvNet's pattern, small: after the first Winograd conv every layer up to
    Flatten works on pixel-major data; one training step matches the reference path."""
    spec = {"input_shape": [1, 8, 8], "layers": [
        {"type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "flatten"},
        {"type": "dense", "units": 10},
    ]}
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 6)

    def trained(path):
        model = Sequential.from_config(spec, rng=np.random.default_rng(0))
        model.compile({"name": "sgd", "lr": 0.1}, "softmax_cross_entropy")
        orders = []
        with parallel.only_paths(path):
            a = x
            for layer in model.layers:  # the model's planned layers, in training mode
                a = layer.forward(a, True)
                orders.append(memory_order(a))
            loss = model.train_step(x, y)
        return loss, [p.value.copy() for p in model.parameters()], orders

    loss, weights, orders = trained("fast")
    ref_loss, ref_weights, ref_orders = trained("reference")
    # conv1 (conv_pixel.py: its consumer reads any order), conv2, the pool, conv3, ReLUs
    assert orders[:7] == [PIXEL_MAJOR] * 7
    assert ref_orders[:7] == [CHANNEL_MAJOR] * 7
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    for got, want in zip(weights, ref_weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * np.abs(want).max())
