"""Checking and describing JSON model specs: the part of ``Sequential`` the server needs without
training anything (``/api/specs/validate``), plus the Keras-like ``summary`` table.

Every error is a ``SpecError`` that carries the layer index and the field, so the page can
point at the exact input box.
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any

import numpy as np

from .core import LAYERS, Layer, Shape, SpecError, shown

# A guard against specs that would allocate gigabytes just to be validated.
DEFAULT_MAX_PARAMS = 50_000_000


def layer_type(layer: Layer) -> str:
    """The registry name ("conv2d"); a custom unregistered Layer falls back to its class name."""
    return getattr(type(layer), "registry_name", type(layer).__name__.lower())


def check_input_shape(value: Any) -> Shape:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 3:
        raise SpecError(
            f"must be a list of 1 to 3 positive integers, got {value!r}", field="input_shape",
            code="spec.input_shape", params={"value": shown(value)},
        )
    for d in value:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
            raise SpecError(
                f"must be a list of positive integers, got {list(value)!r}", field="input_shape",
                code="spec.input_shape", params={"value": shown(list(value))},
            )
    return tuple(int(d) for d in value)


def _unknown_field(cls: type, params: dict[str, Any]) -> str | None:
    """The first key the layer's constructor does not accept (None if it takes **kwargs)."""
    sig = inspect.signature(cls)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    accepted = set(sig.parameters)
    return next((k for k in params if k not in accepted), None)


def layer_from_spec(item: Any, index: int) -> Layer:
    """One entry of ``spec["layers"]`` -> an unbuilt Layer; errors carry ``index``."""
    if isinstance(item, Layer):
        return item
    if not isinstance(item, dict):
        raise SpecError(f"must be an object with a 'type', got {item!r}", index=index,
                        code="spec.layer_not_object", params={"value": shown(item)})
    kind = item.get("type")
    if not isinstance(kind, str) or kind.lower() not in LAYERS:
        raise SpecError(
            f"unknown layer type {kind!r}; choose one of: {', '.join(LAYERS.names())}",
            index=index,
            field="type",
            code="spec.unknown_layer",
            params={"type": shown(kind), "choices": LAYERS.names()},
        )
    cls = LAYERS.get(kind)
    params = {k: v for k, v in item.items() if k != "type"}
    bad = _unknown_field(cls, params)
    if bad is not None:
        raise SpecError(f"{kind} has no field {bad!r}", index=index, field=bad,
                        code="spec.unknown_field", params={"layer": kind, "field": bad})
    try:
        return cls(**params)
    except SpecError as exc:
        raise exc.with_index(index) from None
    except (TypeError, ValueError) as exc:
        raise SpecError(str(exc), index=index, field=_field_in(str(exc), params),
                        params={"detail": str(exc)}) from None


def _field_in(message: str, params: dict[str, Any]) -> str | None:
    # Plain ValueErrors (e.g. from an initializer) name their field in prose; find it.
    return next((k for k in params if repr(k) in message or k in message.split()), None)


def build_layers(
    layers: list[Layer],
    input_shape: Shape,
    rng: np.random.Generator,
    dtype: Any,
    max_params: int | None = DEFAULT_MAX_PARAMS,
) -> Shape:
    """Build each layer on the previous output shape; returns the model's output shape."""
    shape = input_shape
    total = 0
    for index, layer in enumerate(layers):
        if max_params is not None:  # counted from the config: a huge layer is never built
            try:
                projected = estimate([layer], shape, 1)[0]
            except SpecError as exc:
                raise exc.with_index(index) from None
            if total + projected > max_params:
                raise SpecError(
                    f"the model would have over {total + projected:,} parameters "
                    f"(limit {max_params:,})",
                    index=index,
                    field=layer.size_field,
                    code="spec.too_many_params",
                    params={"count": total + projected, "limit": max_params},
                )
        previous = shape
        try:
            shape = layer.build(shape, rng, dtype)
        except SpecError as exc:
            raise exc.with_index(index) from None
        except (TypeError, ValueError) as exc:
            raise SpecError(str(exc), index=index, params={"detail": str(exc)}) from None
        if any(d < 1 for d in shape):
            raise SpecError(
                f"output shape {list(shape)} is empty: the input {list(previous)} "
                "is too small for this layer",
                index=index,
                code="spec.empty_output",
                params={"shape": list(shape), "input": list(previous)},
            )
        total += layer.count_params()
    return shape


def check_spec(spec: Any) -> tuple[str | None, Shape, list[Layer]]:
    """Structure of a whole spec dict -> (name, input_shape, unbuilt layers)."""
    if not isinstance(spec, dict):
        raise SpecError(f"a model spec must be an object, got {type(spec).__name__}",
                        code="spec.not_object", params={"got": type(spec).__name__})
    unknown = set(spec) - {"name", "input_shape", "layers"}
    if unknown:
        field = sorted(unknown)[0]
        raise SpecError(
            f"unknown field {field!r} (a spec has name, input_shape, layers)", field=field,
            code="spec.unknown_spec_field", params={"field": field},
        )
    name = spec.get("name")
    if name is not None and not isinstance(name, str):
        raise SpecError(f"must be a string, got {name!r}", field="name",
                        code="spec.name_not_string", params={"value": shown(name)})
    if "input_shape" not in spec:
        raise SpecError("is required, e.g. [784] or [1, 28, 28]", field="input_shape",
                        code="spec.input_shape_required")
    input_shape = check_input_shape(spec["input_shape"])
    items = spec.get("layers")
    if not isinstance(items, list) or not items:
        raise SpecError(f"must be a non-empty list of layers, got {items!r}", field="layers",
                        code="spec.no_layers")
    return name, input_shape, [layer_from_spec(item, i) for i, item in enumerate(items)]


def shape_text(shape: Shape | None) -> str:
    return "?" if shape is None else "(None, " + ", ".join(str(d) for d in shape) + ")"


def summary_table(name: str, layers: list[Layer], width: int = 72) -> str:
    rows = []
    for i, layer in enumerate(layers):
        layer_name = getattr(layer, "name", None) or f"{layer_type(layer)}_{i}"
        label = f"{layer_name} ({type(layer).__name__})"
        rows.append((label, shape_text(layer.output_shape), f"{layer.count_params():,}"))
    trainable = sum(layer.count_params() for layer in layers)
    fixed = sum(int(b.size) for layer in layers for b in layer.buffers().values())
    line, double = "_" * width, "=" * width
    out = [
        f'Model: "{name}"',
        line,
        f"{'Layer (type)':<30}{'Output Shape':<26}{'Param #':>16}",
        double,
    ]
    for j, (label, shape, params) in enumerate(rows):
        out.append(f"{label:<30}{shape:<26}{params:>16}")
        out.append(line if j < len(rows) - 1 else double)
    out += [
        f"Total params: {trainable + fixed:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {fixed:,}",
        line,
    ]
    return "\n".join(out)


def estimate(
    layers: list[Layer],
    input_shape: Shape,
    batch_size: int,
    itemsize: int = 4,
    max_params: int | None = None,
) -> tuple[int, int]:
    """(parameters, peak bytes of one training step) from unbuilt layers, each layer's own
    ``estimate`` on the shape the previous one produces; nothing is allocated.  Bytes:
    weights with grads and two optimizer slots, the input batch, and every layer's scratch.
    Over ``max_params``: a SpecError naming the layer that crossed the limit."""
    shape = tuple(input_shape)
    params = 0
    scratch = math.prod(shape) * batch_size * itemsize
    for index, layer in enumerate(layers):
        try:
            p, s = layer.estimate(shape, batch_size, itemsize)
            shape = layer.compute_output_shape(shape)
        except SpecError as exc:
            raise exc.with_index(index) from None
        except (TypeError, ValueError, IndexError) as exc:
            raise SpecError(str(exc), index=index) from None
        params += p
        scratch += s
        if max_params is not None and params > max_params:
            raise SpecError(
                f"the model would have over {params:,} parameters (limit {max_params:,})",
                index=index,
                field=layer.size_field,
                code="spec.too_many_params",
                params={"count": params, "limit": max_params},
            )
    return params, params * 4 * itemsize + scratch


def estimate_memory_bytes(
    layers: list[Layer], input_shape: Shape, batch_size: int, itemsize: int = 4
) -> int:
    """Rough peak bytes of one training step (see ``estimate``)."""
    return estimate(layers, input_shape, batch_size, itemsize)[1]
