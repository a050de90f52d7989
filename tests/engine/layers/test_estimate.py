"""Every layer type estimates its parameters and training scratch from its config alone;
the parameter count must equal what building the layer really allocates."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from nnplayground.engine import LAYERS
from nnplayground.engine import spec as specs

# One config per registered type, on an input shape it accepts.
CASES = {
    "relu": ({}, (3, 8, 8)), "leakyrelu": ({"alpha": 0.1}, (10,)), "sigmoid": ({}, (10,)),
    "tanh": ({}, (4, 5, 5)), "identity": ({}, (7,)), "softmax": ({}, (10,)),
    "step": ({}, (6,)), "dense": ({"units": 13}, (17,)),
    "conv2d": ({"filters": 5, "kernel_size": 3, "padding": 1, "stride": 2}, (3, 9, 11)),
    "dropout": ({"rate": 0.3}, (12,)), "batchnorm": ({}, (4, 6, 6)),
    "maxpool2d": ({"pool_size": 2}, (3, 8, 8)), "avgpool2d": ({"pool_size": 3, "stride": 1},
                                                             (2, 7, 7)),
    "flatten": ({}, (3, 4, 5)),
}


def test_every_registered_type_has_a_case() -> None:
    assert set(CASES) == set(LAYERS.names())


@pytest.mark.parametrize("kind", sorted(CASES))
def test_estimate_matches_the_built_layer(kind: str) -> None:
    config, shape = CASES[kind]
    layer = LAYERS.get(kind)(**config)
    params, scratch = layer.estimate(shape, batch_size=32)
    out_elems = int(np.prod(layer.compute_output_shape(shape)))
    built = LAYERS.get(kind)(**config)
    built.build(shape, np.random.default_rng(0), np.float32)
    assert params == built.count_params()
    # at least the output and its gradient for the batch, in float32
    assert scratch >= 2 * out_elems * 32 * 4
    assert layer.estimate(shape, batch_size=64)[1] > scratch  # grows with the batch


def test_batchnorm_on_a_huge_input_is_estimated_without_allocating() -> None:
    layer = LAYERS.get("batchnorm")()
    tracemalloc.start()
    params, scratch = layer.estimate((100_000_000,), batch_size=100)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert params == 200_000_000 and scratch > 100 * 10**9
    assert peak < 1_000_000


def test_conv_counts_its_im2col_columns() -> None:
    conv = LAYERS.get("conv2d")(filters=8, kernel_size=5)
    relu = LAYERS.get("relu")()
    # columns: 3*5*5 rows by 24*24 positions per sample, and their gradient
    extra = conv.estimate((3, 28, 28), 10)[1] - relu.estimate((8, 24, 24), 10)[1]
    assert extra == 2 * 3 * 5 * 5 * 24 * 24 * 10 * 4


def test_model_estimate_sums_layers_and_names_the_layer_over_the_limit() -> None:
    layers = [LAYERS.get("dense")(units=100), LAYERS.get("batchnorm")(),
              LAYERS.get("dense")(units=10)]
    params, memory = specs.estimate(layers, (784,), 50)
    assert params == 784 * 100 + 100 + 200 + 100 * 10 + 10
    assert memory > params * 4 * 4 + 784 * 50 * 4
    with pytest.raises(specs.SpecError) as info:
        specs.estimate(layers, (10**6,), 50, max_params=10**7)
    assert info.value.index == 0 and info.value.field == "units"


def test_absurd_shapes_do_not_overflow() -> None:
    layers = [LAYERS.get("relu")()]
    _, memory = specs.estimate(layers, (10**9, 10**9, 10**9), 10_000)
    assert memory > 2**63  # Python ints: no wrap-around to a small number
