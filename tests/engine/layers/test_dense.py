import numpy as np
import pytest

from nnplayground.engine.core import SpecError
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.layers import Conv2D, Dense, Flatten

from . import assert_grads_ok, build


@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_gradients(use_bias):
    rng = np.random.default_rng(1)
    layers = build([Dense(4, use_bias=use_bias)], (6,))
    errors = check_gradients(layers, rng.standard_normal((5, 6)), rng.integers(0, 4, 5))
    assert ("layer 0 (dense).b" in errors) == use_bias
    assert_grads_ok(errors)


def test_dense_matches_affine_formula_and_overwrites_grads():
    rng = np.random.default_rng(2)
    (layer,) = build([Dense(3)], (4,))
    layer.b.value[:] = [1.0, -2.0, 0.5]
    x = rng.standard_normal((2, 4))
    np.testing.assert_allclose(layer.forward(x, True), x @ layer.W.value + layer.b.value)
    g = rng.standard_normal((2, 3))
    layer.backward(g)
    layer.backward(g)  # a second call must overwrite, not accumulate
    np.testing.assert_allclose(layer.W.grad, x.T @ g)
    np.testing.assert_allclose(layer.b.grad, g.sum(axis=0))


def test_first_layer_can_skip_input_gradient():
    (layer,) = build([Dense(3)], (4,))
    layer.forward(np.ones((2, 4)), True)
    layer.needs_input_grad = False
    assert layer.backward(np.ones((2, 3))) is None
    assert np.all(layer.W.grad == 2.0)


def test_dense_after_conv_without_flatten_says_add_flatten():
    with pytest.raises(SpecError) as info:
        build([Conv2D(2, 3), Dense(10)], (1, 8, 8))
    assert info.value.field == "input_shape"
    assert "add a Flatten" in str(info.value)
    info.value.index = 1  # the model fills in the position afterwards
    assert str(info.value).startswith("layer 1, field 'input_shape': dense needs a flat input")
    build([Conv2D(2, 3), Flatten(), Dense(10)], (1, 8, 8))


@pytest.mark.parametrize("units", [-5, 0, 2.5, "10", True])
def test_bad_units_named(units):
    with pytest.raises(SpecError) as info:
        Dense(units)
    assert info.value.field == "units"
    assert f"got {units!r}" in str(info.value)


def test_bad_init_named():
    with pytest.raises(SpecError) as info:
        Dense(3, init="hee")
    assert info.value.field == "init"
    assert "'hee'" in str(info.value)


def test_float32_stays_float32_even_for_float64_data():
    (layer,) = build([Dense(3)], (4,), dtype=np.float32)
    y = layer.forward(np.ones((2, 4), np.float64), True)
    assert y.dtype == np.float32
    assert layer.backward(np.ones((2, 3), np.float32)).dtype == np.float32
    assert layer.W.grad.dtype == np.float32
