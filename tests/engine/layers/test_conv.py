import numpy as np
import pytest

from nnplayground.engine.core import SpecError
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.im2col import col2im, im2col
from nnplayground.engine.layers import Conv2D, Flatten

from . import assert_grads_ok, build


def naive_conv(x, w, b, stride, padding):
    """Direct loops over every output pixel: the definition, not the fast path."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("kernel,stride,padding", [(3, 1, 0), ((3, 2), 2, 1), (5, 1, 2), (2, 3, 1)])
def test_forward_matches_naive_loops(kernel, stride, padding):
    rng = np.random.default_rng(0)
    (conv,) = build([Conv2D(4, kernel, stride=stride, padding=padding)], (3, 9, 8))
    conv.b.value[:] = rng.standard_normal(4)
    x = rng.standard_normal((2, 3, 9, 8))
    y = conv.forward(x, True)
    assert y.shape == (2, *conv.output_shape)
    np.testing.assert_allclose(y, naive_conv(x, conv.W.value, conv.b.value, stride, padding))


@pytest.mark.parametrize(
    "filters,kernel,stride,padding",
    [
        (3, (3, 2), 2, 1),  # stride 2 + padding + non-square kernel: col2im path
        (3, 3, 1, 1),  # stride 1, filters <= 2*channels: full-convolution input gradient
        (5, 3, 1, 2),  # stride 1, filters > 2*channels: col2im path
    ],
)
def test_conv_gradients(filters, kernel, stride, padding):
    rng = np.random.default_rng(3)
    layers = build([Conv2D(filters, kernel, stride, padding), Flatten()], (2, 6, 5))
    errors = check_gradients(
        layers, rng.standard_normal((3, 2, 6, 5)), rng.integers(0, 4, 3), "mse"
    )
    assert_grads_ok(errors)
    assert set(errors) == {"layer 0 (conv2d).W", "layer 0 (conv2d).b", "input"}


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 6))
    cols = im2col(x, 3, 2, 2, 1)
    c = rng.standard_normal(cols.shape)
    # <im2col(x), c> == <x, col2im(c)> is what makes col2im the correct backward.
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * col2im(c, x.shape, 3, 2, 2, 1)))


def test_kernel_larger_than_input_names_kernel_size():
    with pytest.raises(SpecError) as info:
        build([Conv2D(2, 7, padding=1)], (1, 4, 4))
    assert info.value.field == "kernel_size"
    assert "7x7 is larger than its input 4x4" in str(info.value)
    build([Conv2D(2, 6, padding=1)], (1, 4, 4))  # 6 fits in the padded 6x6


def test_conv_needs_image_input():
    with pytest.raises(SpecError) as info:
        build([Conv2D(2, 3)], (784,))
    assert info.value.field == "input_shape"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"filters": 0}, "filters"),
        ({"kernel_size": [3, 0]}, "kernel_size"),
        ({"stride": -1}, "stride"),
        ({"padding": -2}, "padding"),
        ({"kernel_size": [1, 2, 3]}, "kernel_size"),
    ],
)
def test_bad_arguments_named(kwargs, field):
    args = {"filters": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(SpecError) as info:
        Conv2D(**args)
    assert info.value.field == field
    assert repr(kwargs[field]) in str(info.value)


def test_float32_conv_stays_float32():
    (conv,) = build([Conv2D(4, 3, padding=1)], (2, 5, 5), dtype=np.float32)
    y = conv.forward(np.ones((2, 2, 5, 5), np.float32), True)
    assert y.dtype == np.float32
    assert conv.backward(np.ones_like(y)).dtype == np.float32
    assert conv.W.grad.dtype == np.float32 and conv.b.grad.dtype == np.float32
    assert conv.W.value.dtype == np.float32


def test_he_fans_for_conv():
    (conv,) = build([Conv2D(64, 3)], (32, 8, 8), dtype=np.float32)
    # fan_in = C*kh*kw = 288
    assert abs(conv.W.value.std() / np.sqrt(2 / 288) - 1) < 0.03
    assert np.all(conv.b.value == 0)


def test_inference_forward_between_training_forward_and_backward():
    # The column buffer is reused between training steps; an inference pass (e.g. a
    # callback reading activations) must not clobber the columns backward needs.
    rng = np.random.default_rng(5)
    (conv,) = build([Conv2D(3, 3, padding=1)], (2, 5, 5))
    x1, x2 = rng.standard_normal((2, 4, 2, 5, 5))
    g = rng.standard_normal((4, 3, 5, 5))
    conv.forward(x1, True)
    conv.backward(g)
    expected = conv.W.grad.copy()
    conv.forward(x1, True)
    conv.forward(x2, False)
    conv.backward(g)
    np.testing.assert_allclose(conv.W.grad, expected)


def test_first_conv_can_skip_input_gradient():
    (conv,) = build([Conv2D(3, 3)], (1, 5, 5))
    y = conv.forward(np.ones((2, 1, 5, 5)), True)
    conv.needs_input_grad = False
    assert conv.backward(np.ones_like(y)) is None
    np.testing.assert_allclose(conv.b.grad, 2 * 9)
