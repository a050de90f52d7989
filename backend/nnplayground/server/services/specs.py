"""Model specs: resolve a run's spec (preset or custom, init override, input shape) and
check it against the server's size limits before anything trains."""

from __future__ import annotations

from typing import Any

from ...engine import Sequential
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
            field="spec")
    return info
