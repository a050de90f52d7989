"""One plain ASGI middleware for every request: the Host allow-list, the cross-site checks of
state-changing requests, the body-size limit (declared or chunked) and Server-Timing.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware pipes every
response through extra memory streams, which cost milliseconds on /predict's 70 KB answers.
"""

from __future__ import annotations

import re
import time
from typing import Any

from . import errors, security
from .jsonenc import SafeJSONResponse
from .settings import Settings

Scope = dict[str, Any]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The one route whose body is not JSON: a model upload, sent as raw bytes.
UPLOAD = ("POST", "/api/models")
UPLOAD_TYPES = {"application/octet-stream"}
# A script's weight snapshots (callbacks.Playground) are .npz bytes too.
REMOTE_WEIGHTS = re.compile(r"/api/runs/[0-9]+/remote/weights\Z")


def _binary_body(scope: Scope) -> bool:
    return (scope["method"], scope["path"]) == UPLOAD or (
        scope["method"] == "PUT" and REMOTE_WEIGHTS.match(scope["path"]) is not None)
# Sec-Fetch-Site values a browser sends for the page's own requests (or typed URLs).
SAME_SITE = {"same-origin", "none"}


def _refuse(status: int, code: str, message: str, field: str) -> SafeJSONResponse:
    return SafeJSONResponse(errors.body(code, message, field), status)


class LimitsAndTiming:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.max_request_bytes = settings.max_request_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        if not security.host_allowed(host, self.settings):
            if scope["type"] == "websocket":  # closing before accept answers the handshake 403
                await send({"type": "websocket.close", "code": 1008})
                return
            await _refuse(400, "bad_host", f"this server does not answer to the host name "
                          f"{host[:100]!r}; list it in NNPG_ALLOWED_HOSTS to allow it",
                          "host")(scope, receive, send)
            return
        if scope["type"] == "websocket":  # the socket route checks Origin (security.py)
            await self.app(scope, receive, send)
            return
        refusal = self._cross_site(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        is_upload = (scope["method"], scope["path"]) == UPLOAD
        size = headers.get(b"content-length", b"")
        # Uploads have their own, larger limit (counted while streaming in the route).
        if not is_upload:
            if size.isdigit() and int(size) > self.max_request_bytes:
                await self._too_large(f"request body of {int(size)} bytes", scope, receive, send)
                return
            if not size and b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                receive = await self._buffer_chunked(scope, receive, send)
                if receive is None:
                    return
        await self.app(scope, receive, self._timed(send))

    def _cross_site(self, scope: Scope, headers: dict[bytes, bytes]) -> SafeJSONResponse | None:
        """A state-changing request from another site is refused before it runs; a body must
        be JSON (or the upload's octet-stream), which a page can send only after a CORS
        preflight this server never grants."""
        if scope["method"] not in UNSAFE_METHODS:
            return None
        origin = headers.get(b"origin")
        server = scope.get("server") or (None, None)
        if origin is not None:
            text = origin.decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if not security.origin_allowed(text, self.settings, server[1], host):
                return _refuse(403, "forbidden_origin", f"requests from the origin "
                               f"{text[:100]!r} may not change anything here; list it in "
                               "NNPG_ALLOWED_ORIGINS to allow it", "origin")
        else:
            site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
            if site and site not in SAME_SITE:
                return _refuse(403, "forbidden_origin", f"a {site} request may not change "
                               "anything here", "sec-fetch-site")
        ctype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
        if not ctype and not has_body:
            return None  # pause, resume, stop: no body at all
        wanted = UPLOAD_TYPES if _binary_body(scope) else {"application/json"}
        if ctype not in wanted:
            kinds = " or ".join(sorted(filter(None, wanted)))
            return _refuse(415, "unsupported_media_type", f"the body must be sent as {kinds}, "
                           f"got {ctype or 'no content type'!r}", "content-type")
        return None

    async def _too_large(self, what: str, scope: Scope, receive: Any, send: Any) -> None:
        await _refuse(413, "too_large", f"{what} is over the limit max_request_bytes="
                      f"{self.max_request_bytes}", "body")(scope, receive, send)

    async def _buffer_chunked(self, scope: Scope, receive: Any, send: Any) -> Any:
        """A body without Content-Length is counted as it arrives and refused at the limit;
        the route then reads the buffered messages.  None when refused."""
        messages, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None
            size += len(message.get("body", b""))
            if size > self.max_request_bytes:
                await self._too_large("the chunked request body", scope, receive, send)
                return None
            messages.append(message)
            if not message.get("more_body", False):
                break

        async def replay() -> dict[str, Any]:
            return messages.pop(0) if messages else await receive()

        return replay

    @staticmethod
    def _timed(send: Any) -> Any:
        t0 = time.perf_counter()

        async def send_timed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                # Whole server-side time (parsing, model, JSON) for benchmarks and the
                # browser's devtools; the network is not included.
                timing = f"app;dur={(time.perf_counter() - t0) * 1000:.2f}".encode()
                message = {**message,
                           "headers": [*message.get("headers", []), (b"server-timing", timing)]}
            await send(message)

        return send_timed
