"""One registry of labs: each lab is its function plus the one schema that checks its
parameters.  The server, the tests and a script all go through ``Lab.validate`` or a call
of the ``Lab`` itself, so a parameter's bounds are written once, beside the lab.

    class Params(LabParams):
        epochs: Annotated[int, Field(ge=1, le=500)] = 201

    @lab("overfitting", Params, section="6.4")
    def run(epochs: int, hooks: Hooks = QUIET) -> dict: ...

``run(epochs=3)`` validates and runs; ``run(epochs=0)`` raises ``LabError`` naming "epochs".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .base import QUIET, Hooks, LabError

Kind = Literal["job", "instant"]


class LabParams(BaseModel):
    """Base of every lab's parameter schema: unknown names are errors, not ignored."""

    model_config = ConfigDict(extra="forbid")


def _first_error(exc: ValidationError) -> LabError:
    first = exc.errors()[0]
    raised = (first.get("ctx") or {}).get("error")
    if isinstance(raised, LabError):
        # A model_validator checking a relation between fields raises LabError naming the
        # field to blame; pydantic reports it with an empty location, so keep the lab's own.
        return raised
    field = ".".join(str(p) for p in first["loc"]) or None
    got = first.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f", got {got!r}"
    message = f"{field}: {first['msg']}{shown}" if field else f"{first['msg']}{shown}"
    ctx = {k: v for k, v in (first.get("ctx") or {}).items() if isinstance(v, int | float | str)}
    return LabError(message, field, code=first["type"], params=ctx)


@dataclass(frozen=True)
class Lab:
    name: str
    fn: Callable[..., Any]
    params: type[LabParams]
    kind: Kind = "job"
    route: str | None = None  # instant labs: the path under /api/labs
    method: Literal["GET", "POST"] = "POST"
    section: str = ""  # the book's section, e.g. "6.4.3"

    def validate(self, raw: Mapping[str, Any] | LabParams | None = None) -> LabParams:
        if isinstance(raw, self.params):
            return raw
        try:
            return self.params.model_validate(dict(raw or {}))
        except ValidationError as exc:
            raise _first_error(exc) from None

    def run(self, params: LabParams, hooks: Hooks = QUIET) -> Any:
        """Run with already validated parameters (what the job system does)."""
        kwargs = {name: getattr(params, name) for name in type(params).model_fields}
        return self.fn(**kwargs, hooks=hooks) if self.kind == "job" else self.fn(**kwargs)

    def __call__(self, *args: Any, hooks: Hooks = QUIET, **kwargs: Any) -> Any:
        names = list(self.params.model_fields)
        if len(args) > len(names):
            raise TypeError(f"{self.name} takes at most {len(names)} positional arguments")
        kwargs.update(zip(names, args, strict=False))
        return self.run(self.validate(kwargs), hooks)


LABS: dict[str, Lab] = {}


def lab(name: str, params: type[LabParams], *, kind: Kind = "job", route: str | None = None,
        method: Literal["GET", "POST"] = "POST", section: str = ""
        ) -> Callable[[Callable[..., Any]], Lab]:
    """Register ``fn`` as the lab ``name``; the decorated name becomes the ``Lab``."""
    if kind == "instant" and route is None:
        raise ValueError(f"instant lab {name!r} needs a route")

    def register(fn: Callable[..., Any]) -> Lab:
        if name in LABS:
            raise ValueError(f"lab {name!r} is registered twice")
        entry = Lab(name, fn, params, kind, route, method, section)
        LABS[name] = entry
        return entry

    return register


def all_labs() -> dict[str, Lab]:
    """Every lab, after importing each lab module (registration happens on import)."""
    from . import catalog  # noqa: F401 - imports every lab module

    return LABS
