"""model.py's training plan: a ReLU before a max pool runs after it, with the same results
bit for bit (Layer.runs_after), and nowhere else."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nnplayground.engine import Sequential, layers
from nnplayground.engine.layers import ReLU


def conv_spec(pools: list[dict[str, Any]], activation: str = "relu") -> dict[str, Any]:
    return {
        "name": "plan",
        "input_shape": [2, 8, 8],
        "layers": [
            {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1},
            {"type": activation},
            *pools,
            {"type": "flatten"},
            {"type": "dense", "units": 3},
        ],
    }


def compiled(spec: dict[str, Any]) -> Sequential:
    model = Sequential.from_config(spec, rng=np.random.default_rng(3))
    model.compile(optimizer={"name": "adam", "lr": 0.01}, loss="softmax_cross_entropy")
    return model


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Coarse values: many ties inside a window, and windows whose maximum is 0 or below,
    # the cases where "ReLU, then pool" and "pool, then ReLU" could route differently.
    x = np.round(rng.normal(-0.3, 1.0, (6, 2, 8, 8)) * 2) / 2
    return x.astype(np.float32), rng.integers(0, 3, 6)


def steps(model: Sequential, n: int = 3) -> tuple[list[float], list[np.ndarray]]:
    x, y = data()
    losses, grads = [], []
    for _ in range(n):
        losses.append(model.train_step(x, y))
        grads += [p.grad.copy() for p in model.parameters()]
    return losses, grads + model.get_weights()


def in_model_order(monkeypatch: pytest.MonkeyPatch, model: Sequential) -> None:
    monkeypatch.setattr(ReLU, "runs_after", lambda self, following: False)
    model._plan()


POOLS = {
    "2x2": [{"type": "maxpool2d", "pool_size": 2}],
    "3x3 stride 1 padded": [{"type": "maxpool2d", "pool_size": 3, "stride": 1, "padding": 1}],
    "two pools": [{"type": "maxpool2d", "pool_size": 2}, {"type": "maxpool2d", "pool_size": 2}],
}


@pytest.mark.parametrize("pools", POOLS.values(), ids=POOLS.keys())
def test_relu_after_max_pool_gives_the_same_bits(monkeypatch: pytest.MonkeyPatch,
                                                  pools: list[dict[str, Any]]) -> None:
    swapped = compiled(conv_spec(pools))
    kinds = [type(layer).__name__ for layer in swapped._loss_layers]
    assert kinds[1:1 + len(pools) + 1] == ["MaxPool2D"] * len(pools) + ["ReLU"]
    got = steps(swapped)
    plain = compiled(conv_spec(pools))
    in_model_order(monkeypatch, plain)
    assert [type(lyr).__name__ for lyr in plain._loss_layers][1] == "ReLU"
    want = steps(plain)
    assert got[0] == want[0]
    for a, b in zip(got[1], want[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_comparison_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """ReLU and an average pool do not commute: moving the ReLU anyway changes the bits,
    so the test above would see a wrong swap."""
    spec = conv_spec([{"type": "avgpool2d", "pool_size": 2}])
    plain = compiled(spec)
    assert [type(lyr).__name__ for lyr in plain._loss_layers][1] == "ReLU"  # not swapped
    want = steps(plain)
    forced = compiled(spec)
    monkeypatch.setattr(ReLU, "runs_after", lambda self, following: True)
    forced._plan()
    got = steps(forced)
    assert got[0] != want[0]


def test_other_layers_keep_their_order_and_predict_keeps_the_models() -> None:
    model = compiled(conv_spec([{"type": "maxpool2d"}], activation="leaky_relu"))
    assert model._loss_layers == model.layers  # LeakyReLU: x*alpha may round two values equal
    model = compiled(conv_spec([{"type": "maxpool2d"}]))
    assert [type(lyr).__name__ for lyr in model.layers][1:3] == ["ReLU", "MaxPool2D"]
    x, _ = data()
    trace = model.forward_trace(x)  # the page's per-layer taps: the ReLU's own output
    assert trace[1].shape == (6, 4, 8, 8) and trace[1].min() >= 0
    np.testing.assert_array_equal(model.predict(x), trace[-1])
    relu = layers.ReLU()
    assert relu.runs_after(layers.MaxPool2D()) and not relu.runs_after(layers.AvgPool2D())


def free_orders(layer_specs: list[dict[str, Any]]) -> list[bool]:
    spec = {"name": "order", "input_shape": [1, 8, 8], "layers": layer_specs}
    return [layer.free_output_order for layer in compiled(spec)._loss_layers]


CONV = {"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": 1}
POOL = {"type": "maxpool2d", "pool_size": 2}
HEAD = [{"type": "flatten"}, {"type": "dense", "units": 3}]


def test_free_output_order_up_to_a_flatten() -> None:
    """Layer.free_output_order: true where every layer after, up to a Flatten, keeps any
    memory order (ReLU, pools); a conv, a batch norm or dropout on the way makes it false."""
    # SimpleConvNet's shape; the plan runs the ReLU after the pool
    assert free_orders([CONV, {"type": "relu"}, POOL, *HEAD]) == [True, True, True, False,
                                                                  False]
    # DeepConvNet's: another conv follows the first
    assert free_orders([CONV, {"type": "relu"}, CONV, *HEAD])[:3] == [False, False, True]
    for between in ({"type": "batchnorm"}, {"type": "dropout", "rate": 0.5},
                    {"type": "sigmoid"}):
        assert free_orders([CONV, between, *HEAD])[0] is False
    # no Flatten before the loss: the 4-D output is the loss's, whose order is unmeasured
    spec = {"name": "open", "input_shape": [1, 8, 8],
            "layers": [CONV, {"type": "relu"}, POOL]}
    model = Sequential.from_config(spec, rng=np.random.default_rng(0))
    model.compile(optimizer="sgd", loss="mse")
    assert [layer.free_output_order for layer in model._loss_layers] == [False] * 3
