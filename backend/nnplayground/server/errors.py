"""One error shape for every 4xx:
{"error": {"code", "message", "field", "index", "params"}}.

``message`` is English (logs, curl, the command line); ``code`` and ``params`` are for a client
that words the error itself, in its reader's language: the page keeps a sentence per code and
fills it from ``params``.  Request validation errors get ``value.<pydantic error type>`` with
pydantic's ``ctx`` as params (``value.greater_than`` {"gt": 0}); spec errors keep the engine's
``spec.*`` code."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.core import SpecError, shown
from ..jobs.errors import JobError
from ..labs.base import LabError
from .jsonenc import SafeJSONResponse


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 index: int | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.index = field, index
        self.params = dict(params or {})


def not_found(what: str, key: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} {key!r} does not exist",
                    params={"what": what, "key": shown(key)})


def conflict(message: str, code: str = "conflict", **params: Any) -> ApiError:
    """409; callers that know why pass a specific ``code`` and its params (status, ...)."""
    return ApiError(409, code, message, params={k: shown(v) for k, v in params.items()})


def body(code: str, message: str, field: str | None = None, index: int | None = None,
         params: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field, "index": index,
                      "params": params or {}}}


def _dotted(loc: tuple | list) -> tuple[str | None, int | None]:
    """pydantic loc ('body', 'spec', 'layers', 3, 'units') -> ('spec.layers.3.units', 3)."""
    parts = [p for p in loc if p not in ("body", "query", "path")]
    # Union members show up as class names in loc; they say nothing to the user.
    parts = [p for p in parts if not (isinstance(p, str) and p[:1].isupper())]
    index = next((p for p in parts if isinstance(p, int)), None)
    return (".".join(str(p) for p in parts) or None), index


def validation_error(first: dict[str, Any]) -> ApiError:
    """The first pydantic error as a 422 ApiError with a ``value.*`` code and its ctx."""
    field, index = _dotted(first.get("loc", ()))
    got = first.get("input")
    msg = first.get("msg", "invalid value")
    if field:
        msg = f"{field}: {msg}"
    params = {k: shown(v) for k, v in (first.get("ctx") or {}).items()}
    if got is not None and not isinstance(got, dict | list) and len(repr(got)) < 80:
        msg += f", got {got!r}"
        params["input"] = shown(got)
    code = f"value.{first.get('type', 'invalid')}"
    return ApiError(422, code, msg, field, index, params)


def spec_error(exc: SpecError, prefix: str | None = None) -> ApiError:
    """A SpecError as a 422; ``prefix`` ("spec") places the field inside a bigger body."""
    field = exc.field
    if prefix is not None:
        field = prefix + (f".layers.{exc.index}" if exc.index is not None else "") + \
            (f".{exc.field}" if exc.field else "")
    return ApiError(422, exc.code, str(exc), field, exc.index,
                    {**exc.params, "field": exc.field})


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> SafeJSONResponse:
        return SafeJSONResponse(body(exc.code, exc.message, exc.field, exc.index, exc.params),
                                exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        return await _api(request, validation_error(first))

    @app.exception_handler(JobError)
    async def _job(_: Request, exc: JobError) -> SafeJSONResponse:
        return SafeJSONResponse(body(exc.code, exc.message, exc.field,
                                     params={k: shown(v) for k, v in exc.params.items()}),
                                exc.status)

    @app.exception_handler(LabError)
    async def _lab(_: Request, exc: LabError) -> SafeJSONResponse:
        return SafeJSONResponse(body("invalid", exc.message, exc.field,
                                     params={"type": exc.code, **exc.params}), 422)

    @app.exception_handler(SpecError)
    async def _spec(request: Request, exc: SpecError) -> SafeJSONResponse:
        return await _api(request, spec_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
        return SafeJSONResponse(body(f"http.{exc.status_code}", str(exc.detail)),
                                exc.status_code)


log = logging.getLogger("nnplayground.server")


class _CatchAll:
    """Outermost ASGI layer: an exception no handler turned into a 4xx (a bug, including a
    ValueError of ours) becomes a logged 500 with a request id and no internals.  Plain
    ASGI, not an ``Exception`` handler: Starlette re-raises after those, and uvicorn then
    drops the keep-alive connection, so the client's next valid request failed too."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            request_id = uuid.uuid4().hex[:12]
            log.exception("unexpected error, request id %s: %s %s", request_id,
                          scope.get("method"), scope.get("path"))
            if started:  # half a response is out: only closing the connection is left
                raise
            response = SafeJSONResponse(
                body("internal", f"unexpected server error (request id {request_id}); "
                     "the server log has the details"), 500,
                headers={"x-request-id": request_id})
            await response(scope, receive, send)


def install_catch_all(app: FastAPI) -> None:
    """Call after every other ``add_middleware``: the last one added runs outermost."""
    app.add_middleware(_CatchAll)
