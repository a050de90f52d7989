"""Argument checks shared by the layers.  Each raises SpecError naming the field and the
bad value, so the model only has to add the layer index."""

from __future__ import annotations

import numbers
from typing import Any

from ..core import Shape, SpecError, shown


def positive_int(value: Any, field: str) -> int:
    # bool is an int subclass; "units": true is a spec mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise SpecError(f"must be a positive integer, got {value!r}", field=field,
                        code="spec.positive_int", params={"value": shown(value)})
    return int(value)


def non_negative_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise SpecError(f"must be a non-negative integer, got {value!r}", field=field,
                        code="spec.non_negative_int", params={"value": shown(value)})
    return int(value)


def int_pair(value: Any, field: str) -> tuple[int, int]:
    """An int or a [h, w] pair of positive ints (kernel and pool sizes)."""
    if isinstance(value, list | tuple):
        ok = len(value) == 2 and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value
        )
        if not ok:
            raise SpecError(
                f"must be a positive integer or a pair [h, w] of them, got {value!r}", field=field,
                code="spec.int_pair", params={"value": shown(value)},
            )
        return int(value[0]), int(value[1])
    size = positive_int(value, field)
    return size, size


def fraction(value: Any, field: str, *, low_open: bool, high_open: bool) -> float:
    """A real number in the interval (0,1) / [0,1) / ... as the flags say."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = (v > 0 if low_open else v >= 0) and (v < 1 if high_open else v <= 1)
    if not ok:
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise SpecError(f"must be a number in {lo}0, 1{hi}, got {value!r}", field=field,
                        code="spec.fraction",
                        params={"value": shown(value), "interval": f"{lo}0, 1{hi}"})
    return float(value)


def positive_float(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise SpecError(f"must be a positive number, got {value!r}", field=field,
                        code="spec.positive_number", params={"value": shown(value)})
    return float(value)


def image_shape(input_shape: Shape, layer: str) -> tuple[int, int, int]:
    """Conv and pooling layers need (channels, height, width) per sample."""
    if len(input_shape) != 3:
        raise SpecError(
            f"{layer} needs a (channels, height, width) input, got shape {list(input_shape)}; "
            "put it before any Flatten/Dense or reshape the data to images",
            field="input_shape", code="spec.needs_image",
            params={"layer": layer, "shape": list(input_shape)},
        )
    c, h, w = input_shape
    return c, h, w
