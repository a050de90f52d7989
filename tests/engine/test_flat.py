"""flat.py: a model's parameters in one buffer, updated at once, with the same results as
parameter by parameter."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine import OPTIMIZERS, Sequential, flat, layers


def model(seed: int = 0) -> Sequential:
    net = Sequential([layers.Conv2D(3, 3, padding=1), layers.BatchNorm(), layers.ReLU(),
                      layers.Flatten(), layers.Dense(8), layers.ReLU(), layers.Dense(3)],
                     input_shape=(1, 6, 6), rng=seed)
    return net


def data(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((16, 1, 6, 6)).astype(np.float32), rng.integers(0, 3, 16)


def test_pack_puts_every_parameter_in_one_buffer_in_order() -> None:
    net = model()
    params = net.parameters()
    packed = flat.whole(params)
    assert packed is not None
    assert packed.whole.value.size == sum(p.size for p in params) == net.count_params()
    offset = 0
    for p in params:
        assert p.value.base is packed.whole.value and p.grad.base is packed.whole.grad
        np.testing.assert_array_equal(packed.whole.value[offset:offset + p.size], p.value.ravel())
        np.testing.assert_array_equal(packed.decay[offset:offset + p.size], float(p.decay))
        offset += p.size
    assert flat.whole(params[1:]) is None and flat.whole(params[::-1]) is None


@pytest.mark.parametrize("config", [
    {"name": "adam", "lr": 0.01},
    {"name": "adam", "lr": 0.01, "weight_decay": 0.1},
    {"name": "momentum", "lr": 0.05, "weight_decay": 0.05},
    {"name": "sgd", "lr": 0.1},
])
def test_packed_training_equals_parameter_by_parameter(config: dict) -> None:
    x, y = data()
    runs = []
    for packed in (True, False):
        net = model()
        if not packed:  # a new array bound to one Parameter leaves the pack
            first = net.parameters()[0]
            first.grad = np.zeros_like(first.value)
            assert flat.whole(net.parameters()) is None
        net.compile(optimizer=OPTIMIZERS.create(config), loss="softmax_cross_entropy")
        losses = [net.train_step(x, y) for _ in range(20)]
        runs.append((losses, [p.value.copy() for p in net.parameters()]))
        assert len(net.optimizer.state) == (1 if packed else len(net.parameters()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_weight_decay_spares_the_biases_of_a_pack() -> None:
    # Zero gradients: only the decay moves anything, and only the weights.
    net = Sequential([layers.Dense(4), layers.Dense(2)], input_shape=(3,), rng=0)
    for p in net.parameters():
        p.value[...] = 1.0
    opt = OPTIMIZERS.create({"name": "sgd", "lr": 0.5, "weight_decay": 0.2})
    opt.step(net.parameters())
    for p in net.parameters():
        np.testing.assert_array_equal(p.value, np.float32(0.9) if p.decay else np.float32(1.0))


def test_adding_a_layer_packs_again_and_keeps_the_values() -> None:
    net = Sequential([layers.Dense(4)], input_shape=(3,), rng=0)
    before = [p.value.copy() for p in net.parameters()]
    net.add(layers.Dense(2))
    params = net.parameters()
    assert flat.whole(params) is not None
    for a, p in zip(before, params, strict=False):
        np.testing.assert_array_equal(a, p.value)


def _unpack(net: Sequential) -> None:
    first = net.parameters()[0]
    first.grad = np.zeros_like(first.value)  # a new array: the model leaves its pack
    assert flat.whole(net.parameters()) is None


def test_a_new_pack_takes_over_the_state_of_the_old_one() -> None:
    # Momentum keeps one velocity a weight and no step count, so a model that goes
    # parameter by parameter throughout must end bit for bit where the packed one does,
    # across a layer added in the middle of training.
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.integers(0, 2, 16)
    runs = []
    for packed in (True, False):
        net = Sequential([layers.Dense(4), layers.ReLU()], input_shape=(3,), rng=0)
        net.add(layers.Dense(4))
        if not packed:
            _unpack(net)
        net.compile(optimizer={"name": "momentum", "lr": 0.1}, loss="softmax_cross_entropy")
        for _ in range(3):
            net.train_step(x, y)
        net.add(layers.Dense(2))
        if not packed:
            _unpack(net)
        for _ in range(3):
            net.train_step(x, y)
        runs.append([p.value.copy() for p in net.parameters()])
        if packed:  # the old pack's state went with the take-over
            assert len(net.optimizer.state) == 1
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_adam_moments_of_a_packed_parameter_and_after_a_new_pack() -> None:
    x, y = data()
    packed_net, plain_net = model(), model()
    _unpack(plain_net)
    for net in (packed_net, plain_net):
        net.compile(optimizer={"name": "adam", "lr": 0.01}, loss="softmax_cross_entropy")
        for _ in range(4):
            net.train_step(x, y)
    before = []
    for p, q in zip(packed_net.parameters(), plain_net.parameters(), strict=True):
        got, expected = packed_net.optimizer.moments(p), plain_net.optimizer.moments(q)
        for a, b in zip(got, expected, strict=True):
            assert a.shape == p.shape
            np.testing.assert_array_equal(a, b)
        before.append(got)
    packed_net.pop()
    packed_net.add(layers.Dense(3))  # packed again: a fresh state takes the old one over
    state = packed_net.optimizer._pack_state(flat.whole(packed_net.parameters()))
    assert state["t"] == 4
    params = packed_net.parameters()
    for p, (m, v) in zip(params[:-2], before[:-2], strict=True):
        np.testing.assert_array_equal(packed_net.optimizer.moments(p)[0], m)
        np.testing.assert_array_equal(packed_net.optimizer.moments(p)[1], v)
    assert not packed_net.optimizer.moments(params[-2])[0].any()  # the new layer's: zeros

