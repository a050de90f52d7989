"""Presets: the book's architectures (shapes and parameter counts), config round trips, and a
quick MNIST sanity run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnplayground.engine import OPTIMIZERS, PRESETS, Sequential, all_presets, get_preset
from nnplayground.engine.data import load_mnist

# Parameter counts worked out from the layer sizes (weights + biases; BN: gamma + beta).
EXPECTED_PARAMS = {
    "two_layer_net": 784 * 50 + 50 + 50 * 10 + 10,
    "simple_conv_net": 30 * 25 + 30 + 30 * 12 * 12 * 100 + 100 + 100 * 10 + 10,
    "deep_conv_net": (16 * 9 + 16)
    + (16 * 16 * 9 + 16)
    + (32 * 16 * 9 + 32)
    + (32 * 32 * 9 + 32)
    + (64 * 32 * 9 + 64)
    + (64 * 64 * 9 + 64)
    + (64 * 4 * 4 * 50 + 50)
    + (50 * 10 + 10),
    "mlp_strong": 784 * 512 + 512 + 2 * 512 + 512 * 256 + 256 + 2 * 256 + 256 * 10 + 10,
    "mlp_5x100": 784 * 100 + 100 + 3 * (100 * 100 + 100) + 100 * 10 + 10,
}


def test_every_preset_is_listed_and_complete() -> None:
    assert set(PRESETS.names()) == set(EXPECTED_PARAMS)
    for preset in all_presets():
        assert set(preset) >= {"name", "title", "description", "ja", "spec", "training"}
        assert preset["ja"]["title"] and preset["ja"]["description"]
        training = preset["training"]
        assert set(training) >= {"optimizer", "batch_size", "epochs", "loss"}
        OPTIMIZERS.create(training["optimizer"])  # valid optimizer settings
        json.dumps(preset)  # JSON-safe for /api/meta


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_preset_builds_and_round_trips_through_json(name: str) -> None:
    spec = get_preset(name)["spec"]
    model = Sequential.from_config(spec, rng=0)
    assert model.count_params() == EXPECTED_PARAMS[name]
    assert model.output_shape == (10,)
    config = json.loads(json.dumps(model.get_config()))
    again = Sequential.from_config(config, rng=0)
    assert again.get_config() == model.get_config()
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # same seed, same spec: same weights


def test_deep_conv_net_follows_the_book_padding() -> None:
    model = Sequential.from_config(get_preset("deep_conv_net")["spec"], rng=0)
    shapes = [layer.output_shape for layer in model.layers]
    # conv4 uses padding 2: 14 + 4 - 3 + 1 = 16, so the pools give 16 -> 8 -> 4
    assert shapes[7] == (32, 16, 16) and shapes[9] == (32, 8, 8)
    assert shapes[14] == (64, 4, 4) and shapes[15] == (1024,)
    assert [layer.get_config()["type"] for layer in model.layers][-3:] == [
        "dropout",
        "dense",
        "dropout",
    ]


def test_presets_are_fresh_copies() -> None:
    preset = get_preset("two_layer_net")
    preset["spec"]["layers"].clear()
    assert get_preset("two_layer_net")["spec"]["layers"]
    with pytest.raises(ValueError, match="unknown preset 'lenet'"):
        get_preset("lenet")


def test_two_layer_net_learns_mnist_quickly() -> None:
    (x, y), (xt, yt) = load_mnist()
    preset = get_preset("two_layer_net")
    model = Sequential.from_config(preset["spec"], rng=0)
    model.compile(preset["training"]["optimizer"], preset["training"]["loss"])
    # 2,000 images; small batches so the book's SGD lr 0.1 gets 400 steps
    model.fit(x[:2000], y[:2000], epochs=2, batch_size=10)
    result = model.evaluate(xt[:1000], yt[:1000], return_dict=True)
    assert result["accuracy"] > 0.80, result


def test_deep_conv_net_schedule_and_its_departure_are_stated() -> None:
    preset = get_preset("deep_conv_net")
    training = preset["training"]
    assert training["optimizer"] == {"name": "adam", "lr": 0.003}
    assert training["lr_schedule"] == "linear" and training["lr_decay"] == 1.0
    assert training["batch_size"] == 100 and training["epochs"] == 10
    # both languages say what departs from the book (its constant Adam 0.001, 20 epochs)
    assert "0.001" in preset["description"] and "20" in preset["description"]
    assert "0.001" in preset["ja"]["description"] and "20" in preset["ja"]["description"]
