"""What the job system says when a request cannot be carried out.  The web layer maps these
to HTTP answers; each carries a machine-readable code and its parameters so the page can
word it in the reader's language."""

from __future__ import annotations

from typing import Any


class JobError(Exception):
    status = 400
    code = "job_error"

    def __init__(self, message: str, field: str | None = None, code: str | None = None,
                 **params: Any) -> None:
        super().__init__(message)
        self.message, self.field, self.params = message, field, params
        if code is not None:
            self.code = code


class NotFound(JobError):
    status, code = 404, "not_found"


class Conflict(JobError):
    status, code = 409, "conflict"


class Busy(JobError):
    status, code = 429, "busy"


class ConfigError(JobError):
    """A run configuration that cannot train (a 422 naming the field)."""

    status, code = 422, "invalid"


class TooLarge(JobError):
    status, code = 413, "too_large"


class StoreUnavailable(JobError):
    """The job store cannot be written (read-only directory, full disk, database gone)."""

    status, code = 503, "storage_unavailable"


class ExecutorUnavailable(JobError):
    """Where jobs run did not answer in time (a Ray cluster too busy or partly down): the
    job was not started, and its row says so."""

    status, code = 503, "cluster_unavailable"


def error_record(exc: BaseException, message: str | None = None) -> dict[str, Any]:
    """How a job's row records the exception that ended it: a JobError's (or LabError's)
    code, field and params, "job_failed" for anything else; ``message`` defaults to the
    exception's type and text."""
    return {"code": getattr(exc, "code", "job_failed"),
            "message": message if message is not None else f"{type(exc).__name__}: {exc}",
            "field": getattr(exc, "field", None), "params": getattr(exc, "params", {})}
