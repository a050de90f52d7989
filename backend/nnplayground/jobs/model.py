"""One job model: the statuses every job goes through and the transitions allowed between
them, shared with the page through ``/api/meta``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"
    DIVERGED = "diverged"
    INTERRUPTED = "interrupted"  # the server process went away while the job was live


class Kind(StrEnum):
    TRAIN = "train"  # a training run of the playground
    LAB = "lab"  # a long lab (optimizers on MNIST, hyperparameter search, ...)
    REMOTE = "remote"  # a run trained by a user's own script, streamed in
    TRIAL = "trial"  # a piece of a lab job (a search trial) a cluster runs as a task of its own


ENDS = (Status.COMPLETED, Status.STOPPED, Status.FAILED, Status.DIVERGED, Status.INTERRUPTED)
FINISHED = frozenset(ENDS)
LIVE = frozenset({Status.QUEUED, Status.RUNNING, Status.PAUSED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    # A queued job can be stopped before it starts, or cut off by a shutdown.
    Status.QUEUED: frozenset({Status.RUNNING, Status.STOPPED, Status.FAILED,
                              Status.INTERRUPTED}),
    Status.RUNNING: frozenset({Status.PAUSED, *ENDS}),
    Status.PAUSED: frozenset({Status.RUNNING, *ENDS}),
    **{end: frozenset() for end in ENDS},
}


class IllegalTransition(RuntimeError):
    """A bug in job code: the status table forbids this change."""


def check_transition(old: Status, new: Status) -> None:
    if new not in TRANSITIONS[old]:
        raise IllegalTransition(f"a job cannot go from {old} to {new}")


def meta() -> dict[str, Any]:
    """The table as the page reads it."""
    return {"statuses": [s.value for s in Status], "finished": [s.value for s in ENDS],
            "live": [s.value for s in Status if s in LIVE],
            "transitions": {s.value: sorted(t.value for t in TRANSITIONS[s]) for s in Status}}
