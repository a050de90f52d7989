"""Model specs: resolve a run's spec (preset or custom, init override, input shape) and
check it against the server's size limits before anything trains."""

from __future__ import annotations

from typing import Any

from ...engine import LAYERS, LOSSES, Sequential
from ..errors import ApiError
from ..settings import Settings


def describe(spec: dict[str, Any], settings: Settings, batch_size: int = 100) -> dict[str, Any]:
    """Per-layer output shapes and parameter counts plus a memory estimate; refuses (4xx
    naming the limit) a model over the parameter or memory limit.  The engine checks the
    projected parameter count before allocating, so a huge spec is never built."""
    info = Sequential.validate_spec(spec, batch_size=batch_size, max_params=settings.max_params)
    if info["memory_bytes"] > settings.max_memory_bytes:
        raise ApiError(
            413, "too_large",
            f"training this model with batch_size {batch_size} needs about "
            f"{info['memory_bytes'] / 2**20:,.0f} MiB; the server limit max_memory_bytes is "
            f"{settings.max_memory_bytes / 2**20:,.0f} MiB (use a smaller model or batch)",
            field="spec", params={"mib": round(info["memory_bytes"] / 2**20),
                                  "limit_mib": round(settings.max_memory_bytes / 2**20),
                                  "batch_size": batch_size})
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
