"""JSON responses that browsers can parse: NaN and ±inf become null (see jobs.encode)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from ..jobs.encode import clean, dumps

__all__ = ["SafeJSONResponse", "clean", "dumps"]


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
