"""Model specs: check one against the server's size limits before anything trains.

``check_limits`` works on the spec alone (each layer's ``estimate``), so a 90-byte spec that
asks for gigabytes is refused before a single array exists; only then is the model built."""

from __future__ import annotations

from typing import Any

from ...engine import LAYERS, LOSSES, Sequential
from ...engine import spec as engine_spec
from ..errors import ApiError
from ..settings import Settings


def _too_large(message: str, field: str, params: dict[str, Any]) -> ApiError:
    return ApiError(413, "too_large", message, field=field, params=params)


def check_limits(spec: Any, settings: Settings, batch_size: int) -> None:
    """Layer count, name length, parameters and training memory, from the spec alone."""
    if not isinstance(spec, dict):
        return  # the engine's check names the problem
    layers, name = spec.get("layers"), spec.get("name")
    if isinstance(layers, list) and len(layers) > settings.max_layers:
        raise _too_large(f"the model has {len(layers):,} layers; the server limit max_layers "
                         f"is {settings.max_layers}", "spec.layers",
                         {"count": len(layers), "limit": settings.max_layers})
    if isinstance(name, str) and len(name) > settings.max_name_chars:
        raise _too_large(f"the name is {len(name):,} characters long; the server limit "
                         f"max_name_chars is {settings.max_name_chars}", "spec.name",
                         {"count": len(name), "limit": settings.max_name_chars})
    _, input_shape, unbuilt = engine_spec.check_spec(spec)
    # Over max_params: a SpecError naming the layer, like the engine's own check.
    _, memory = engine_spec.estimate(unbuilt, input_shape, batch_size,
                                     max_params=settings.max_params)
    if memory > settings.max_memory_bytes:
        raise _too_large(
            f"training this model with batch_size {batch_size} needs about "
            f"{memory / 2**20:,.0f} MiB; the server limit max_memory_bytes is "
            f"{settings.max_memory_bytes / 2**20:,.0f} MiB (use a smaller model or batch)",
            "spec", {"mib": round(memory / 2**20),
                     "limit_mib": round(settings.max_memory_bytes / 2**20),
                     "batch_size": batch_size})


def describe(spec: dict[str, Any], settings: Settings, batch_size: int = 100) -> dict[str, Any]:
    """Per-layer output shapes and parameter counts plus a memory estimate, with warnings;
    refuses (4xx naming the limit) a model over a limit before building it."""
    check_limits(spec, settings, batch_size)
    info = Sequential.validate_spec(spec, batch_size=batch_size, max_params=settings.max_params)
    return {**info, "warnings": warnings(info)}


def warnings(info: dict[str, Any], loss: str = "softmax_cross_entropy") -> list[dict[str, Any]]:
    """Specs that train but train worse, said before training: a Softmax layer right before
    softmax-with-loss squashes the scores twice (the loss applies softmax itself), so the
    gradients shrink and learning slows (measured: 784-50-10 ReLU net, He init, 2000 MNIST
    examples, 2 epochs of Adam 0.001: 69.1 % test accuracy with the extra Softmax, 78.1 %
    without; a 20-line script with Sequential.fit, numbers in the issue-12 report)."""
    last = info["layers"][-1] if info["layers"] else None
    fused = getattr(LOSSES.get(loss), "final_activation", None)  # the layer the loss absorbs
    if last is None or fused is None or LAYERS.get(last["type"]) is not fused:
        return []
    return [{"code": "spec.softmax_before_loss", "index": last["index"], "field": None,
             "params": {"loss": loss},
             "message": f"layer {last['index']}: Softmax right before the {loss} loss applies "
                        "softmax twice; remove it (the loss already turns scores into "
                        "probabilities)"}]
