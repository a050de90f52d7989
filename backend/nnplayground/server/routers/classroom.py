"""The class (docs/classroom.md): the teacher's room table, pins for the projector, limits,
the experiment handed out and the audit log; every learner's queue places and shares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from ..auth import Principal, principal_of
from ..deps import JobsDep
from ..errors import ApiError
from ..schemas.common import ERRORS
from ..schemas.ids import JobId
from ..services.classroom import Classroom, Experiment, Limits

router = APIRouter(prefix="/api/classroom", tags=["classroom"])


def _classroom(request: Request) -> Classroom:
    return request.app.state.services.classroom


def _teacher(request: Request) -> Principal:
    who = principal_of(request)
    if not who.sees_all:
        raise ApiError(403, "teacher_only", "only the teacher can do this")
    return who


ClassDep = Annotated[Classroom, Depends(_classroom)]
TeacherDep = Annotated[Principal, Depends(_teacher)]


class Toggle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: bool = True


@router.get("")
def overview(request: Request, room: ClassDep) -> dict[str, Any]:
    """What every page of a class needs: who I am, the limits, the experiment, my queue."""
    who = principal_of(request)
    return {"name": who.name, "role": who.role, "limits": room.limits.model_dump(),
            "experiment": room.experiment, "queue": room.queue_info(who.name),
            "pinned": list(room.pinned)}


@router.get("/room")
def room_table(request: Request, room: ClassDep,
               limit: Annotated[int, Query(ge=1, le=500)] = 200) -> dict[str, Any]:
    """The teacher's table of every run; a learner gets the same table of their own."""
    return room.room(limit, principal_of(request).owner)


@router.get("/queue")
def my_queue(request: Request, room: ClassDep) -> list[dict[str, Any]]:
    return room.queue_info(principal_of(request).name)


@router.put("/limits")
def set_limits(body: Limits, _: TeacherDep, room: ClassDep) -> dict[str, Any]:
    return room.set_limits(body).model_dump()


@router.put("/experiment", responses=ERRORS)
def hand_out(body: Experiment, who: TeacherDep, room: ClassDep) -> dict[str, Any] | None:
    room.hand_out(body, who.name)
    return room.experiment


@router.delete("/experiment")
def take_back(who: TeacherDep, room: ClassDep) -> None:
    room.hand_out(None, who.name)


@router.post("/pins/{run_id}", responses=ERRORS)
def pin(run_id: JobId, body: Toggle, _: TeacherDep, room: ClassDep,
        jobs: JobsDep) -> dict[str, Any]:
    jobs.get_run(run_id, history=False)  # 404 for an unknown run
    return {"pinned": room.pin(run_id, body.on)}


@router.post("/share/{run_id}", responses=ERRORS)
def share(run_id: JobId, body: Toggle, request: Request, room: ClassDep,
          jobs: JobsDep) -> dict[str, Any]:
    """The run's owner (or the teacher) shares it read-only with the class."""
    run = jobs.get_run(run_id, history=False)
    who = principal_of(request)
    if not who.sees_all and run.get("owner") != who.name:
        raise ApiError(403, "forbidden", f"run {run_id} belongs to another learner")
    room.share(run_id, body.on)
    jobs.store.add_audit(who.name, "share" if body.on else "unshare", run_id)
    return {"id": run_id, "shared": body.on, "link": f"/#/playground?run={run_id}"}


@router.get("/audit")
def audit(_: TeacherDep, jobs: JobsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
          offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    return jobs.store.audit(limit, offset)
