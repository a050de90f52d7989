"""Every registered layer: get_config() is JSON-safe and LAYERS.create() inverts it."""

import json

import numpy as np
import pytest

from nnplayground.engine.core import LAYERS
from nnplayground.engine.layers import Dense

EXAMPLES = {
    "dense": {"units": 7, "init": {"name": "normal", "std": 0.1}, "use_bias": False},
    "conv2d": {
        "filters": 4,
        "kernel_size": [3, 2],
        "stride": 2,
        "padding": 1,
        "init": "xavier_uniform",
    },
    "maxpool2d": {"pool_size": 3, "stride": 2, "padding": 1},
    "avgpool2d": {"pool_size": [2, 3], "stride": None, "padding": 0},
    "batchnorm": {"momentum": 0.8, "eps": 1e-3},
    "dropout": {"rate": 0.3},
    "leakyrelu": {"alpha": 0.2},
}


def test_every_layer_is_covered():
    expected = {
        "dense",
        "conv2d",
        "maxpool2d",
        "avgpool2d",
        "flatten",
        "batchnorm",
        "dropout",
        "relu",
        "leakyrelu",
        "sigmoid",
        "tanh",
        "identity",
        "softmax",
        "step",
    }
    assert expected <= set(LAYERS.names())


@pytest.mark.parametrize("name", LAYERS.names())
def test_round_trip(name):
    spec = {"type": name, **EXAMPLES.get(name, {})}
    layer = LAYERS.create(spec)
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    for key, value in EXAMPLES.get(name, {}).items():
        assert config[key] == value
    again = LAYERS.create(config)
    assert type(again) is type(layer) and again.get_config() == config


def test_defaults_in_config():
    assert Dense(5).get_config() == {"type": "dense", "units": 5, "init": "he", "use_bias": True}
    assert LAYERS.create({"type": "maxpool2d"}).get_config() == {
        "type": "maxpool2d",
        "pool_size": 2,
        "stride": None,
        "padding": 0,
    }


def test_unknown_field_is_named():
    with pytest.raises(ValueError, match="unit"):
        LAYERS.create({"type": "dense", "unit": 5})


def test_same_seed_same_weights():
    a, b = Dense(4), Dense(4)
    a.build((3,), np.random.default_rng(0))
    b.build((3,), np.random.default_rng(0))
    np.testing.assert_array_equal(a.W.value, b.W.value)


def test_float32_through_a_conv_net():
    from nnplayground.engine.layers import (
        BatchNorm,
        Conv2D,
        Dropout,
        Flatten,
        MaxPool2D,
        ReLU,
    )

    layers = [Conv2D(4, 3, padding=1), BatchNorm(), ReLU(), MaxPool2D(2), Flatten(),
              Dense(6), Dropout(0.5), Dense(3)]  # fmt: skip
    rng = np.random.default_rng(0)
    shape = (1, 6, 6)
    for layer in layers:
        shape = layer.build(shape, rng, np.float32)
    out = rng.random((5, 1, 6, 6), dtype=np.float32)
    for layer in layers:
        out = layer.forward(out, True)
        assert out.dtype == np.float32, type(layer).__name__
    grad = np.ones_like(out)
    for layer in reversed(layers):
        grad = layer.backward(grad)
        assert grad.dtype == np.float32, type(layer).__name__
        assert all(p.grad.dtype == np.float32 for p in layer.parameters())
