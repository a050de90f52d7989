"""The few things every lab shares: how a running lab reports and stops, and how it says
that a parameter is wrong.

A long lab is a plain function ``run(..., hooks) -> result``.  It calls ``hooks.report``
with small JSON-safe dicts as it goes (the server streams them) and checks ``hooks.stopped()``
between steps, so a job can be stopped without killing a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Report = Callable[[dict[str, Any]], None]


class LabError(ValueError):
    """A lab parameter is out of range; ``field`` names it so the API can point at it."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid",
                 params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code  # machine-readable, so the page can word it in the reader's language
        self.params = params or {}


def run_in_turn(fn: Callable[[Any, Hooks], Any], items: Iterable[Any], hooks: Hooks
                ) -> Iterator[Any]:
    """``fn(item, hooks)`` for each item, one after the other, until a stop is asked."""
    for item in items:
        if hooks.stopped():
            return
        yield fn(item, hooks)


@dataclass
class Hooks:
    """How a running lab talks to whoever runs it (the job system, a test, a script).

    ``map(fn, items, hooks)`` runs independent pieces of a lab (the trials of a search):
    one after the other here; an executor with many machines may spread them out, so
    ``fn`` must be a module-level function and results may come in any order."""

    report: Report = field(default=lambda _msg: None)
    stopped: Callable[[], bool] = field(default=lambda: False)
    map: Callable[..., Iterator[Any]] = field(default=run_in_turn)


QUIET = Hooks()


def rounded(values: Any, digits: int = 4) -> list:
    """A JSON-ready list rounded in float64 (float32 values would print as 0.0049999998)."""
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()
