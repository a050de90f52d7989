from __future__ import annotations

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    index: int | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS = {code: {"model": ErrorBody} for code in (404, 409, 413, 422)}
