"""keras.optimizers: Keras's argument names and defaults on the book's update rules, checked
against hand-computed steps; compile's string names use Keras's defaults."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground import keras
from nnplayground.engine import optimizers as engine
from nnplayground.engine.core import Parameter


def one_step(opt, w0=(1.0, -2.0), g=(0.5, 0.25)) -> np.ndarray:
    p = Parameter(np.array(w0, np.float64), "W")
    p.grad[...] = g
    opt.step([p])
    return p.value


def test_sgd_and_momentum_by_hand() -> None:
    np.testing.assert_allclose(one_step(keras.optimizers.SGD(learning_rate=0.1)),
                               [1 - 0.05, -2 - 0.025])
    mom = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    assert isinstance(mom, engine.Momentum) and mom.momentum == 0.9
    assert isinstance(keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), engine.Nesterov)
    assert keras.optimizers.SGD(lr=0.3).learning_rate == 0.3  # Keras 2's spelling


def test_adam_first_step_and_names() -> None:
    opt = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.9, epsilon=1e-8)
    # first step: m = 0.2 g, v = 0.1 g², lr_t = lr·√(1-0.9)/(1-0.8) -> step = lr·sign(g)
    np.testing.assert_allclose(one_step(opt), [1 - 0.01, -2 - 0.01], rtol=1e-6)
    assert (opt.beta1, opt.beta2, opt.eps) == (0.8, 0.9, 1e-8)


def test_rmsprop_keras_defaults() -> None:
    opt = keras.optimizers.RMSprop()
    assert (opt.learning_rate, opt.decay_rate, opt.eps) == (0.001, 0.9, 1e-7)
    h = 0.1 * 0.25  # (1 - rho)·g², g = 0.5
    np.testing.assert_allclose(one_step(opt)[0], 1 - 0.001 * 0.5 / (np.sqrt(h) + 1e-7))
    with pytest.raises(ValueError, match="centered"):
        keras.optimizers.RMSprop(centered=True)


def test_compile_strings_use_keras_defaults_and_objects_pass_through() -> None:
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="rmsprop", loss="mse")
    assert model.optimizer.lr == 0.001 and model.optimizer.decay_rate == 0.9
    model.compile(optimizer="adam", loss="mse")
    assert model.optimizer.lr == 0.001
    opt = keras.optimizers.Adagrad(learning_rate=0.05)
    model.compile(optimizer=opt, loss="mse")
    assert model.optimizer is opt
    model.compile(optimizer="momentum", loss="mse")  # the book's names still work
    assert isinstance(model.optimizer, engine.Momentum)
    with pytest.raises(ValueError, match="needs a loss"):
        model.compile(optimizer="sgd")
