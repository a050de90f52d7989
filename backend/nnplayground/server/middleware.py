"""One plain ASGI middleware for every HTTP request: the body-size limit and Server-Timing.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware pipes every
response through extra memory streams, which cost milliseconds on /predict's 70 KB answers.
"""

from __future__ import annotations

import time
from typing import Any

from . import errors
from .jsonenc import SafeJSONResponse

Scope = dict[str, Any]


class LimitsAndTiming:
    def __init__(self, app: Any, max_request_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = dict(scope["headers"]).get(b"content-length", b"")
        # Uploads have their own, larger limit (checked while streaming in the route).
        is_upload = scope["path"] == "/api/models" and scope["method"] == "POST"
        if size.isdigit() and int(size) > self.max_request_bytes and not is_upload:
            response = SafeJSONResponse(errors.body(
                "too_large", f"request body of {int(size)} bytes is over the limit "
                f"max_request_bytes={self.max_request_bytes}", "body"), 413)
            await response(scope, receive, send)
            return
        t0 = time.perf_counter()

        async def send_timed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                # Whole server-side time (parsing, model, JSON) for benchmarks and the
                # browser's devtools; the network is not included.
                timing = f"app;dur={(time.perf_counter() - t0) * 1000:.2f}".encode()
                message = {**message,
                           "headers": [*message.get("headers", []), (b"server-timing", timing)]}
            await send(message)

        await self.app(scope, receive, send_timed)
