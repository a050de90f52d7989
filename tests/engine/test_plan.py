"""plan.py: a few images in one planned pass must give the layer-by-layer numbers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnplayground.engine import Sequential, parallel, plan
from nnplayground.engine.layers import conv_step
from nnplayground.engine.layers.conv_step import ConvStep
from nnplayground.engine.presets import PRESETS


def conv_net(layers, shape=(1, 9, 9), dtype=np.float32):
    model = Sequential.from_config({"input_shape": list(shape), "layers": layers}, rng=0,
                                   dtype=dtype)
    for p in model.parameters():  # biases too, so that a lost bias add shows
        p.value[...] = np.random.default_rng(7).standard_normal(p.value.shape) * 0.3
    return model


def conv(filters, kernel=3, padding=1, stride=1):
    return {"type": "conv2d", "filters": filters, "kernel_size": kernel,
            "padding": padding, "stride": stride}


POOL = {"type": "maxpool2d", "pool_size": 2}
NETS = {
    # every planned step: convs into convs, ReLU folded in, pools into convs, odd sizes
    "convs_and_pools": [conv(4), {"type": "relu"}, conv(6, padding=2), {"type": "relu"},
                        POOL, conv(5, kernel=2, padding=0), POOL, {"type": "relu"},
                        {"type": "flatten"}, {"type": "dense", "units": 3}],
    # a conv as the last layer, a non-ReLU activation after a conv, a strided conv
    "conv_last": [conv(3, kernel=5, padding=0), {"type": "tanh"}, conv(2, stride=2),
                  {"type": "relu"}, conv(2, padding=0)],
    # pools the plan leaves to the layer (3x3, padded, average) between planned convs
    "other_pools": [conv(3), {"type": "maxpool2d", "pool_size": 3, "stride": 2, "padding": 1},
                    conv(3), {"type": "avgpool2d", "pool_size": 2}, {"type": "relu"},
                    {"type": "flatten"}, {"type": "dense", "units": 2}],
}


def reference(model, x):
    with parallel.only_paths("reference"):
        return model.predict(x)


@pytest.mark.parametrize("net", sorted(NETS))
@pytest.mark.parametrize("images", [1, 3, plan.MAX_IMAGES])
def test_a_plan_gives_the_reference_paths_numbers(net, images):
    model = conv_net(NETS[net])
    x = np.random.default_rng(images).standard_normal((images, 1, 9, 9), dtype=np.float32)
    got = model.predict(x)
    assert model._plans, "no plan was built"
    np.testing.assert_allclose(got, reference(model, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["simple_conv_net", "deep_conv_net"])
def test_the_presets_single_images_through_a_plan(name):
    model = Sequential.from_config(PRESETS.create(name)["spec"], rng=np.random.default_rng(0))
    x = np.random.default_rng(1).random((1, 1, 28, 28), dtype=np.float32)
    got = model.predict(x)
    assert any(model._plans.values())
    np.testing.assert_allclose(got, reference(model, x), rtol=1e-4, atol=1e-5)


def test_float64_models_plan_in_float64():
    model = conv_net(NETS["convs_and_pools"], dtype=np.float64)
    x = np.random.default_rng(2).standard_normal((2, 1, 9, 9))
    got = model.predict(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, reference(model, x), rtol=1e-12)


def test_new_weights_reach_the_plan_and_results_are_not_overwritten():
    model = conv_net(NETS["conv_last"])
    x = np.random.default_rng(3).standard_normal((1, 1, 9, 9), dtype=np.float32)
    first = model.predict(x)
    kept = first.copy()
    model.set_weights([w * 2 for w in model.get_weights()])  # new arrays, as loading does
    second = model.predict(x)
    np.testing.assert_array_equal(first, kept)  # the plan reused its buffers, not ours
    np.testing.assert_allclose(second, reference(model, x), rtol=1e-5, atol=1e-5)
    assert not np.allclose(first, second)


def test_big_batches_and_reference_paths_take_no_plan():
    model = conv_net(NETS["convs_and_pools"])
    x = np.zeros((plan.MAX_IMAGES + 1, 1, 9, 9), np.float32)
    model.predict(x)
    with parallel.only_paths("reference"):
        model.predict(x[:1])
    assert not getattr(model, "_plans", None)
    dense = Sequential.from_config({"input_shape": [4], "layers": [{"type": "dense",
                                                                   "units": 2}]}, rng=0)
    dense.predict(np.zeros((1, 4), np.float32))
    assert not any(getattr(dense, "_plans", {}).values())  # nothing to plan: no plan kept


def test_threads_predicting_at_once_get_their_own_answers():
    model = conv_net(NETS["convs_and_pools"])
    xs = [np.random.default_rng(i).standard_normal((1, 1, 9, 9), dtype=np.float32)
          for i in range(4)]
    want = [reference(model, x) for x in xs]
    errors = []

    def worker(i):
        for _ in range(200):
            got = model.predict(xs[i])
            if not np.allclose(got, want[i], rtol=1e-5, atol=1e-5):
                errors.append(i)
                return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors


@pytest.mark.parametrize("block_bytes", [64, 1 << 10, 1 << 30])  # parts of an image, images
def test_columns_in_blocks_give_the_same_numbers(monkeypatch, block_bytes):
    monkeypatch.setattr(conv_step, "BLOCK_BYTES", block_bytes)
    model = conv_net(NETS["convs_and_pools"])
    x = np.random.default_rng(4).standard_normal((3, 1, 9, 9), dtype=np.float32)
    got = model.predict(x)
    steps = [s for p in model._plans.values() if p for s in p.steps
             if isinstance(s, ConvStep)]
    blocks = max(len(s.blocks) for s in steps)
    assert blocks > 3 if block_bytes == 64 else blocks >= 1
    np.testing.assert_allclose(got, reference(model, x), rtol=1e-5, atol=1e-5)


def test_a_plan_that_would_keep_too_much_is_not_built(monkeypatch):
    model = conv_net(NETS["convs_and_pools"])
    x = np.random.default_rng(5).standard_normal((1, 1, 9, 9), dtype=np.float32)
    monkeypatch.setattr(plan, "MAX_PLAN_BYTES", 1000)
    got = model.predict(x)
    assert not any(model._plans.values())
    np.testing.assert_allclose(got, reference(model, x), rtol=1e-5, atol=1e-5)
    monkeypatch.setattr(plan, "MAX_PLAN_BYTES", 8 << 20)
    model._plans.clear()
    model.predict(x)
    assert any(model._plans.values())
