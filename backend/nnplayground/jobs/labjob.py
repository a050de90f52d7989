"""The body of a lab job: the lab's own function, with its reports turned into "progress"
events and its stop checks (which also wait while paused) answered by the context."""

from __future__ import annotations

from typing import Any

from ..labs.base import Hooks
from ..labs.registry import Lab, LabParams
from .context import JobContext
from .encode import clean


def run_lab(lab: Lab, params: LabParams, ctx: JobContext) -> Any:
    def stopped() -> bool:
        ctx.wait_while_paused()
        return ctx.should_stop()

    hooks = Hooks(report=lambda msg: ctx.emit("progress", clean(msg)), stopped=stopped,
                  map=ctx.map)
    result = clean(lab.run(params, hooks))
    ctx.emit("result", result)  # a stopped lab still shows what it had
    return result
