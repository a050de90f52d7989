import numpy as np
import pytest

from nnplayground.engine.core import SpecError
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.layers import AvgPool2D, Conv2D, Flatten, MaxPool2D

from . import assert_grads_ok, build


def naive_pool(x, size, stride, padding, reduce, pad_value):
    xp = np.pad(x, ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2), constant_values=pad_value)
    oh = (x.shape[2] + 2 * padding - size) // stride + 1
    ow = (x.shape[3] + 2 * padding - size) // stride + 1
    out = np.empty(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
            out[:, :, i, j] = reduce(win, axis=(2, 3))
    return out


@pytest.mark.parametrize("size,stride,padding", [(2, 2, 0), (3, 2, 1), (2, 1, 0), (3, 3, 1)])
def test_pool_forward_matches_loops(size, stride, padding):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7))
    (mp,) = build([MaxPool2D(size, stride, padding)], (3, 7, 7))
    (ap,) = build([AvgPool2D(size, stride, padding)], (3, 7, 7))
    np.testing.assert_allclose(
        mp.forward(x, True), naive_pool(x, size, stride, padding, np.max, -np.inf)
    )
    np.testing.assert_allclose(
        ap.forward(x, True), naive_pool(x, size, stride, padding, np.mean, 0.0)
    )


@pytest.mark.parametrize(
    "layer",
    [MaxPool2D(2, 1), MaxPool2D(3, 2, 1), AvgPool2D(3, 2, 1), AvgPool2D(2, 1), MaxPool2D(2)],
)
def test_pool_gradients(layer):
    rng = np.random.default_rng(5)
    layers = build([layer, Flatten()], (2, 6, 6))
    errors = check_gradients(
        layers, rng.standard_normal((2, 2, 6, 6)), rng.integers(0, 3, 2), "mse"
    )
    assert_grads_ok(errors)


def test_maxpool_ties_send_gradient_to_one_input():
    # A flat image region (conv output = bias there) makes all four window entries equal.
    (mp,) = build([MaxPool2D(2)], (1, 4, 4))
    x = np.ones((1, 1, 4, 4))
    mp.forward(x, True)
    dx = mp.backward(np.ones((1, 1, 2, 2)))
    assert dx.sum() == 4.0
    assert dx[0, 0, 0, 0] == 1.0 and dx[0, 0, 0, 1] == 0.0


def test_pool_after_conv_channel_major_layout():
    # Conv2D hands on a channel-major view; pooling must give the same numbers as on a copy.
    rng = np.random.default_rng(6)
    conv, mp = build([Conv2D(3, 3), MaxPool2D(2)], (2, 6, 6))
    y = conv.forward(rng.standard_normal((4, 2, 6, 6)), True)
    out = mp.forward(y, True)
    np.testing.assert_allclose(out, naive_pool(np.ascontiguousarray(y), 2, 2, 0, np.max, -np.inf))
    g = rng.standard_normal(out.shape)
    dx = mp.backward(g)
    mp2 = build([MaxPool2D(2)], (3, 4, 4))[0]
    mp2.forward(np.ascontiguousarray(y), True)
    np.testing.assert_allclose(dx, mp2.backward(g))


def test_pool_larger_than_input_names_pool_size():
    with pytest.raises(SpecError) as info:
        build([MaxPool2D(5)], (1, 3, 3))
    assert info.value.field == "pool_size"


def test_pool_bad_padding_named():
    with pytest.raises(SpecError) as info:
        AvgPool2D(2, padding=2)
    assert info.value.field == "padding"
    assert "got 2" in str(info.value)


def test_pool_keeps_float32():
    (mp,) = build([MaxPool2D(2)], (1, 4, 4), dtype=np.float32)
    y = mp.forward(np.ones((1, 1, 4, 4), np.float32), True)
    assert y.dtype == np.float32 and mp.backward(np.ones_like(y)).dtype == np.float32


def test_inference_matches_training_and_keeps_the_cache():
    rng = np.random.default_rng(7)
    mp, ref = build([MaxPool2D(3, 2, 1)], (2, 6, 6)) + build([MaxPool2D(3, 2, 1)], (2, 6, 6))
    x1, x2 = rng.standard_normal((2, 3, 2, 6, 6))
    np.testing.assert_array_equal(mp.forward(x2, False), mp.forward(x2, True))
    g = rng.standard_normal((3, 2, 3, 3))
    ref.forward(x1, True)
    mp.forward(x1, True)
    mp.forward(x2, False)  # e.g. a callback reading activations mid-step
    np.testing.assert_array_equal(mp.backward(g), ref.backward(g))
