import warnings

import numpy as np
import pytest

from nnplayground.engine.core import SpecError
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.layers import (
    Dense,
    Identity,
    LeakyReLU,
    NoGradientError,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)

from . import assert_grads_ok, build


@pytest.mark.parametrize(
    "act", [ReLU, lambda: LeakyReLU(0.2), Sigmoid, Tanh, Softmax, Identity], ids=str
)
def test_activation_input_gradients(act):
    rng = np.random.default_rng(12)
    layers = build([act()], (5,))
    errors = check_gradients(layers, rng.standard_normal((4, 5)), rng.integers(0, 5, 4), "mse")
    assert set(errors) == {"input"}
    assert_grads_ok(errors)


def test_known_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ReLU().forward(x, True), [[0, 0, 3]])
    np.testing.assert_allclose(LeakyReLU(0.1).forward(x, True), [[-0.2, 0, 3]])
    np.testing.assert_allclose(Sigmoid().forward(x, True), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(Softmax().forward(x, True), np.exp(x) / np.exp(x).sum())
    np.testing.assert_array_equal(Step().forward(x, True), [[0, 0, 1]])


def test_sigmoid_and_softmax_do_not_overflow():
    x = np.array([[-1000.0, 0.0, 1000.0]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Sigmoid().forward(x, True)
        p = Softmax().forward(x, True)
    np.testing.assert_array_equal(s, [[0, 0.5, 1]])
    np.testing.assert_allclose(p, [[0, 0, 1]])


def test_step_has_no_gradient():
    layers = build([Dense(3), Step()], (2,))
    out = layers[1].forward(layers[0].forward(np.ones((1, 2)), True), True)
    assert not Step.differentiable and ReLU.differentiable
    with pytest.raises(NoGradientError, match="use sigmoid"):
        layers[1].backward(np.ones_like(out))


def test_bad_alpha():
    with pytest.raises(SpecError) as info:
        LeakyReLU(-1)
    assert info.value.field == "alpha" and "got -1" in str(info.value)


@pytest.mark.parametrize("act", [ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Identity, Step])
def test_float32_preserved(act):
    layer = act()
    y = layer.forward(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4), True)
    assert y.dtype == np.float32
    if layer.differentiable:
        assert layer.backward(np.ones_like(y)).dtype == np.float32
