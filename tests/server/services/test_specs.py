"""Spec limits are checked from the spec alone, before any array exists: parameters and
memory of every layer type, layer count, name length."""

from __future__ import annotations

import tracemalloc

import pytest

from nnplayground.engine.core import SpecError
from nnplayground.server.errors import ApiError
from nnplayground.server.services import specs
from nnplayground.server.settings import Settings

S = Settings()


def _peak(fn) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        fn()
        err = None
    except (ApiError, SpecError) as exc:
        err = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return err, peak


def test_the_90_byte_batchnorm_spec_is_refused_before_allocating() -> None:
    spec = {"input_shape": [100000000], "layers": [{"type": "batchnorm"}]}
    err, peak = _peak(lambda: specs.describe(spec, S, 100))
    assert isinstance(err, SpecError) and "parameters" in str(err) and err.index == 0
    assert peak < 5_000_000  # was 1.5 GB


@pytest.mark.parametrize("kind", ["relu", "sigmoid", "dropout", "softmax", "flatten"])
def test_parameterless_layers_count_towards_memory(kind: str) -> None:
    spec = {"input_shape": [3, 1000, 1000], "layers": [{"type": kind}]}
    err, peak = _peak(lambda: specs.describe(spec, S, 100))
    assert isinstance(err, ApiError) and err.status == 413 and err.field == "spec"
    assert "max_memory_bytes" in err.message and peak < 5_000_000


def test_too_many_layers_are_refused_at_once() -> None:
    spec = {"input_shape": [10], "layers": [{"type": "relu"}] * 100_000}
    with pytest.raises(ApiError) as info:
        specs.describe(spec, S, 10)
    assert info.value.status == 413 and info.value.field == "spec.layers"
    assert "max_layers" in info.value.message  # before building (100,000 cost 21 s)


def test_long_names_are_refused() -> None:
    spec = {"name": "x" * (S.max_name_chars + 1), "input_shape": [2],
            "layers": [{"type": "dense", "units": 2}]}
    with pytest.raises(ApiError) as info:
        specs.describe(spec, S, 10)
    assert info.value.status == 413 and info.value.field == "spec.name"
    spec["name"] = "x" * S.max_name_chars
    assert specs.describe(spec, S, 10)["total_params"] == 6


@pytest.mark.parametrize("layers", [5, None, "dense", {"type": "dense"}])
def test_with_init_leaves_a_malformed_spec_to_the_checks(layers) -> None:
    spec = {"input_shape": [2], "layers": layers}
    assert specs.with_init(spec, "xavier") == spec
    with pytest.raises(SpecError) as info:
        specs.describe(specs.with_init(spec, "xavier"), S, 10)
    assert info.value.field == "layers"


def test_with_init_reaches_every_layer_that_takes_one() -> None:
    spec = {"input_shape": [1, 8, 8], "layers": [
        {"type": "conv", "filters": 2, "kernel_size": 3}, {"type": "relu"},
        {"type": "flatten"}, {"type": "affine", "units": 3}]}
    out = specs.with_init(spec, "xavier")
    assert [layer.get("init") for layer in out["layers"]] == ["xavier", None, None, "xavier"]
    assert "init" not in spec["layers"][0]  # the caller's spec is not changed
