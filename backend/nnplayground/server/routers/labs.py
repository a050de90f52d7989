"""Labs: the book's experiments over HTTP (docs/protocol.md).

Instant labs are computed on request, one route each, made from the lab registry (a lab's
own schema is the route's body).  Long labs are jobs of the one job system:
POST /api/labs/jobs {lab, params} -> job; events stream on /ws/labs/{id} with the runs'
protocol; GET /api/labs/jobs/{id} returns the same content.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ...jobs.encode import clean
from ...jobs.model import Kind
from ...labs import optimizer_race
from ...labs.registry import Lab, all_labs
from ..deps import JobsDep, PrincipalDep
from ..errors import ApiError
from ..schemas.common import ERRORS
from ..schemas.ids import JobId

P = "/api/labs"
router = APIRouter(tags=["labs"])
# Instant labs run in the request thread pool; this caps how many compute at once so a
# burst of clicks queues instead of starving training of both cores.
INSTANT_SLOTS = threading.BoundedSemaphore(2)


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lab: str = Field(max_length=64)
    params: dict = Field(default_factory=dict)


def _job_labs() -> dict[str, Lab]:
    return {name: lab for name, lab in all_labs().items() if lab.kind == "job"}


@router.get(P)
def catalogue(jobs: JobsDep) -> dict[str, Any]:
    return {"jobs": sorted(_job_labs()), "surfaces": optimizer_race.surfaces(),
            "running": jobs.counts()["running"],
            "labs": [{"name": n, "kind": lab.kind, "route": lab.route, "section": lab.section}
                     for n, lab in sorted(all_labs().items())]}


def _instant_route(lab: Lab) -> Callable[..., Any]:
    def compute(params: Any) -> Any:
        with INSTANT_SLOTS:
            return clean(lab.run(lab.validate(params)))

    if lab.method == "GET":
        async def get() -> Any:
            return await run_in_threadpool(compute, {})
        return get

    async def post(body: lab.params) -> Any:  # type: ignore[name-defined]
        return await run_in_threadpool(compute, body)

    post.__annotations__["body"] = lab.params
    return post


def instant_routes() -> APIRouter:
    """One route per instant lab in the registry, made when an app is (a lab registered
    later, by a test or a plugin, gets its route in the next app)."""
    made = APIRouter(tags=["labs"])
    for entry in all_labs().values():
        if entry.kind == "instant":
            made.add_api_route(P + entry.route, _instant_route(entry), methods=[entry.method],
                               name=entry.name, responses=ERRORS)
    return made


# ---- background jobs ---------------------------------------------------------------------
@router.post(P + "/jobs", status_code=202, responses=ERRORS)
def create_job(req: JobRequest, jobs: JobsDep, who: PrincipalDep,
               request: Request) -> dict[str, Any]:
    labs = _job_labs()
    if req.lab not in labs:
        raise ApiError(422, "invalid", f"unknown lab {req.lab!r}; choose one of: "
                       f"{', '.join(sorted(labs))}", "lab")
    lab = labs[req.lab]
    try:
        params = lab.validate(req.params)
    except ValueError as exc:  # LabError: name the field inside params
        field = getattr(exc, "field", None)
        raise ApiError(422, "invalid", f"params.{exc}" if field else str(exc),
                       f"params.{field}" if field else "params") from None
    request.app.state.services.classroom.check_create(who)  # a class's fair share
    return jobs.create_lab(lab, params, owner=who.name)


@router.get(P + "/jobs")
def list_jobs(jobs: JobsDep, who: PrincipalDep) -> list[dict[str, Any]]:
    return jobs.list_labs(owner=who.owner)


@router.get(P + "/jobs/{job_id}", responses=ERRORS)
def get_job(job_id: JobId, jobs: JobsDep) -> Any:
    return clean(jobs.get_lab(job_id))


@router.post(P + "/jobs/{job_id}/stop", responses=ERRORS)
def stop_job(job_id: JobId, jobs: JobsDep, who: PrincipalDep) -> dict[str, Any]:
    jobs.stop(job_id, Kind.LAB, actor=who.name)
    return jobs.lab_summary(job_id)
