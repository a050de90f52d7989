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
def test_malformed_layers_are_named(layers) -> None:
    with pytest.raises(SpecError) as info:
        specs.describe({"input_shape": [2], "layers": layers}, S, 10)
    assert info.value.field == "layers"
