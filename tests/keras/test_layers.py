"""Keras's layer arguments translated into the page's spec: strides, padding 'same'|'valid',
activation=, kernel_initializer=, input_shape=, data_format; errors name the field."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground import keras
from nnplayground.engine import Sequential as EngineSequential
from nnplayground.engine import SpecError
from nnplayground.engine import layers as engine_layers
from nnplayground.keras import layers


def built(*items, input_shape=(28, 28, 1)) -> keras.Sequential:
    return keras.Sequential([keras.Input(shape=input_shape), *items])


@pytest.mark.parametrize("kernel,strides,size,expected", [
    (3, 1, 28, 28), (5, 1, 28, 28), (3, 2, 28, 14), (3, 2, 27, 14), (5, 3, 28, 10),
])
def test_same_padding_gives_kerass_output_size(kernel, strides, size, expected) -> None:
    model = built(layers.Conv2D(4, kernel, strides=(strides, strides), padding="same"),
                  input_shape=(size, size, 1))
    assert model.output_shape == (4, expected, expected)  # ceil(size / strides)


def test_valid_padding_strides_and_the_spec() -> None:
    model = built(layers.Conv2D(6, (5, 5), strides=2, padding="valid", activation="relu",
                                kernel_initializer="he_normal"),
                  layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
                  layers.Flatten(), layers.Dense(10, activation="softmax"))
    spec = model.get_config()
    assert spec["layers"][:3] == [
        {"type": "conv2d", "filters": 6, "kernel_size": 5, "stride": 2, "padding": 0,
         "init": "he_normal"},
        {"type": "relu"},
        {"type": "maxpool2d", "pool_size": 2, "stride": [2, 2], "padding": 0},
    ]
    # The page's validator reads the same spec and finds the same shapes.
    shapes = [row["output_shape"] for row in EngineSequential.validate_spec(spec)["layers"]]
    assert shapes == [list(layer.output_shape) for layer in model.layers]


def test_pooling_same_and_errors_name_the_field() -> None:
    model = built(layers.MaxPooling2D(3, strides=2, padding="same"), input_shape=(7, 7, 2))
    assert model.output_shape == (2, 4, 4)
    with pytest.raises(SpecError, match="padding") as err:
        built(layers.Conv2D(2, 2, padding="same"))  # even kernel: uneven padding
    assert err.value.field == "padding" and "valid" in str(err.value)
    with pytest.raises(SpecError) as err:
        layers.Conv2D(2, 3, strides=(1, 2))
    assert err.value.field == "strides"
    with pytest.raises(SpecError) as err:
        layers.Dense(3, activation="swishy")
    assert err.value.field == "activation" and "relu" in str(err.value)
    with pytest.raises(SpecError, match="padding"):
        layers.Conv2D(2, 3, padding="full")


def test_channels_last_is_the_default_and_channels_first_can_be_asked() -> None:
    x = np.random.default_rng(0).random((3, 8, 8, 2), dtype=np.float32)
    last = built(layers.Conv2D(4, 3), layers.Flatten(), input_shape=(8, 8, 2))
    first = keras.Sequential([keras.Input(shape=(2, 8, 8)),
                              layers.Conv2D(4, 3, data_format="channels_first"),
                              layers.Flatten()])
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(last.predict(x, verbose=0),
                               first.predict(x.transpose(0, 3, 1, 2), verbose=0), rtol=1e-6)
    assert last.get_config()["input_shape"] == first.get_config()["input_shape"] == [2, 8, 8]
    with pytest.raises(ValueError, match="data_format"):
        keras.Sequential([layers.Conv2D(4, 3, data_format="channels_first"),
                          layers.Conv2D(4, 3, data_format="channels_last")])


def test_input_shape_on_the_first_layer_and_keras_defaults() -> None:
    model = keras.Sequential([layers.Dense(32, activation="tanh", input_shape=(20,)),
                              layers.BatchNormalization(), layers.Dropout(0.2),
                              layers.Dense(3)])
    assert model.built and model.input_shape == (20,)
    assert model.layers[0].get_config()["init"] == "glorot_uniform"  # Keras's default
    dense = layers.Dense(4, activation=keras.activations.tanh,
                         kernel_initializer=keras.initializers.HeNormal())
    assert dense.get_config()["init"] == {"name": "he"}
    assert [type(part).__name__ for part in dense.expand()] == ["Dense", "Tanh"]
    assert len(layers.Dense(4, activation=keras.activations.linear).expand()) == 1
    bn = model.get_layer("batchnorm")
    assert (bn.momentum, bn.eps) == (0.99, 1e-3)
    assert isinstance(layers.Activation("relu"), engine_layers.ReLU)
    with pytest.raises(SpecError) as err:
        layers.Dense(3, bias_initializer="ones")
    assert err.value.field == "bias_initializer"
