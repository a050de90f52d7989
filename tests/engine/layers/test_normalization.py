import numpy as np
import pytest

from nnplayground.engine.core import SpecError
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.layers import BatchNorm, Conv2D, Dense, Flatten, ReLU

from . import assert_grads_ok, build


def test_batchnorm_after_dense_gradients():
    rng = np.random.default_rng(7)
    layers = build([Dense(5), ReLU(), BatchNorm(), Dense(3)], (4,))
    layers[2].gamma.value[:] = rng.uniform(0.5, 1.5, 5)
    layers[2].beta.value[:] = rng.standard_normal(5)
    errors = check_gradients(layers, rng.standard_normal((6, 4)), rng.integers(0, 3, 6))
    assert "layer 2 (batchnorm).gamma" in errors and "layer 2 (batchnorm).beta" in errors
    assert_grads_ok(errors)


def test_batchnorm_after_conv_gradients():
    rng = np.random.default_rng(8)
    layers = build([Conv2D(3, 3, padding=1), BatchNorm(), Flatten()], (2, 4, 4))
    layers[1].gamma.value[:] = rng.uniform(0.5, 1.5, 3)
    errors = check_gradients(
        layers, rng.standard_normal((3, 2, 4, 4)), rng.integers(0, 5, 3), "mse"
    )
    # BatchNorm subtracts the per-channel mean, so the conv bias cannot change the loss: its
    # true gradient is exactly 0 (gradcheck then reports the absolute error).
    assert np.max(np.abs(layers[0].b.grad)) < 1e-12
    assert_grads_ok(errors)


def test_training_normalises_and_updates_running_stats():
    rng = np.random.default_rng(9)
    (bn,) = build([BatchNorm(momentum=0.8)], (2, 3, 3))
    x = rng.standard_normal((5, 2, 3, 3)) * 3 + 2
    y = bn.forward(x, True)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)
    np.testing.assert_allclose(bn.running_mean, 0.2 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(bn.running_var, 0.8 + 0.2 * x.var(axis=(0, 2, 3)))


def test_inference_uses_running_stats():
    rng = np.random.default_rng(10)
    (bn,) = build([BatchNorm()], (3,))
    buffers = bn.buffers()
    buffers["running_mean"][:] = [1.0, -1.0, 0.0]  # live references, as a loader would set
    buffers["running_var"][:] = [4.0, 1.0, 0.25]
    bn.gamma.value[:] = [2.0, 1.0, 1.0]
    bn.beta.value[:] = [0.0, 0.5, 0.0]
    x = rng.standard_normal((4, 3))
    expected = bn.gamma.value * (x - [1.0, -1.0, 0.0]) / np.sqrt(np.array([4.0, 1.0, 0.25]) + 1e-5)
    np.testing.assert_allclose(bn.forward(x, False), expected + bn.beta.value)
    np.testing.assert_array_equal(bn.running_mean, [1.0, -1.0, 0.0])  # not updated


@pytest.mark.parametrize("kwargs,field", [({"momentum": 1.5}, "momentum"), ({"eps": 0}, "eps")])
def test_bad_arguments(kwargs, field):
    with pytest.raises(SpecError) as info:
        BatchNorm(**kwargs)
    assert info.value.field == field


def test_float32_batchnorm():
    (bn,) = build([BatchNorm()], (3, 2, 2), dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 2)).astype(np.float32)
    y = bn.forward(x, True)
    assert y.dtype == np.float32 and bn.backward(y).dtype == np.float32
    assert bn.forward(x, False).dtype == np.float32 and bn.running_var.dtype == np.float32
