"""One error shape for every 4xx: {"error": {"code", "message", "field", "index"}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.core import SpecError
from ..jobs.errors import JobError
from ..labs.base import LabError
from .jsonenc import SafeJSONResponse


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 index: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.index = field, index


def not_found(what: str, key: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} {key!r} does not exist")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def body(code: str, message: str, field: str | None = None, index: int | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field, "index": index}}


def _dotted(loc: tuple | list) -> tuple[str | None, int | None]:
    """pydantic loc ('body', 'spec', 'layers', 3, 'units') -> ('spec.layers.3.units', 3)."""
    parts = [p for p in loc if p not in ("body", "query", "path")]
    # Union members show up as class names in loc; they say nothing to the user.
    parts = [p for p in parts if not (isinstance(p, str) and p[:1].isupper())]
    index = next((p for p in parts if isinstance(p, int)), None)
    return (".".join(str(p) for p in parts) or None), index


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> SafeJSONResponse:
        return SafeJSONResponse(body(exc.code, exc.message, exc.field, exc.index), exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> SafeJSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field, index = _dotted(first.get("loc", ()))
        got = first.get("input")
        msg = first.get("msg", "invalid value")
        if field:
            msg = f"{field}: {msg}"
        if got is not None and not isinstance(got, dict | list) and len(repr(got)) < 80:
            msg += f", got {got!r}"
        return SafeJSONResponse(body("invalid", msg, field, index), 422)

    @app.exception_handler(JobError)
    async def _job(_: Request, exc: JobError) -> SafeJSONResponse:
        content = body(exc.code, exc.message, exc.field)
        content["error"]["params"] = exc.params
        return SafeJSONResponse(content, exc.status)

    @app.exception_handler(LabError)
    async def _lab(_: Request, exc: LabError) -> SafeJSONResponse:
        content = body("invalid", exc.message, exc.field)
        content["error"]["params"] = {"type": exc.code, **exc.params}
        return SafeJSONResponse(content, 422)

    @app.exception_handler(SpecError)
    async def _spec(_: Request, exc: SpecError) -> SafeJSONResponse:
        return SafeJSONResponse(body("bad_spec", str(exc), exc.field, exc.index), 422)

    @app.exception_handler(ValueError)
    async def _value(_: Request, exc: ValueError) -> SafeJSONResponse:
        return SafeJSONResponse(body("invalid", str(exc)), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
        return SafeJSONResponse(body("http_error", str(exc.detail)), exc.status_code)
