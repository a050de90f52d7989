import numpy as np
import pytest

from nnplayground.engine.gradcheck import check_gradients, numerical_gradient, relative_error
from nnplayground.engine.layers import Dense, ReLU, Tanh


def build(layers, shape, dtype=np.float64):
    rng = np.random.default_rng(0)
    for layer in layers:
        shape = layer.build(shape, rng, dtype)
    return layers


def test_numerical_gradient_of_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored after perturbing
    # The book's style: f receives the array.
    np.testing.assert_allclose(numerical_gradient(lambda w: float(np.sum(w**2)), x), 2 * x)


def test_relative_error():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    # Both round-off around zero: absolute, not 1.0.
    assert relative_error(np.array([1e-17]), np.array([3e-11])) == pytest.approx(3e-11)
    assert relative_error(np.array([1e-3]), np.array([0.0])) == 1.0


class WrongDense(Dense):
    """A deliberately broken backward: the check must notice."""

    def backward(self, grad):
        dx = super().backward(grad)
        self.W.grad *= 1.001
        return dx


def test_detects_a_wrong_gradient():
    rng = np.random.default_rng(1)
    layers = build([WrongDense(3), Tanh(), Dense(2)], (4,))
    errors = check_gradients(layers, rng.standard_normal((3, 4)), rng.integers(0, 2, 3))
    assert errors["layer 0 (dense).W"] > 1e-4
    assert errors["layer 2 (dense).W"] < 1e-6 and errors["input"] < 1e-6


def test_accepts_a_model_like_object_and_a_bare_layer():
    class Model:
        def __init__(self, layers):
            self.layers = layers

    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 4)), rng.integers(0, 2, 3)
    errors = check_gradients(Model(build([Dense(5), ReLU(), Dense(2)], (4,))), x, y)
    assert set(errors) == {
        "layer 0 (dense).W",
        "layer 0 (dense).b",
        "layer 2 (dense).W",
        "layer 2 (dense).b",
        "input",
    }
    assert max(errors.values()) < 1e-6
    single = check_gradients(build([Dense(2)], (4,))[0], x, y, loss="mse")
    assert max(single.values()) < 1e-6


def test_refuses_float32():
    layers = build([Dense(2)], (4,), dtype=np.float32)
    with pytest.raises(ValueError, match="float64"):
        check_gradients(layers, np.ones((2, 4)), [0, 1])
