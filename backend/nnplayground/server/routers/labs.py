"""Labs: the book's experiments over HTTP and WebSocket.

Cheap labs are computed on request (POST /api/labs/<lab>).  Long ones are background jobs:
POST /api/labs/jobs {lab, params} → job; progress streams on /ws/labs/{job_id} with the runs'
envelope {v: 1, type, run: job_id, seq, data} (types hello, state, progress, result, error);
GET /api/labs/jobs/{id} returns the same content for polling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ValidationError

from ...labs import (
    batch_norm,
    gradient_check,
    hyperparameter_search,
    nielsen,
    optimizer_race,
    optimizers_mnist,
    overfitting,
    perceptron,
    weight_init,
)
from ...labs.base import LabError
from .. import labs_schemas as S
from ..errors import ApiError, not_found
from ..jsonenc import clean, dumps
from ..labs_jobs import MANAGER, TERMINAL, LabJob
from .ws import accept_checked

# Full paths, no router prefix: the HTTP routes and the WebSocket (under /ws) share this one
# router, so the app includes just ``router``.
P = "/api/labs"
MAX_WAITING = 8  # queued lab jobs at once
router = APIRouter(tags=["labs"])

# Which function runs each background lab, and the schema its params must pass.
JOBS: dict[str, tuple[type[BaseModel], Callable[..., Any]]] = {
    "optimizers_mnist": (S.OptimizersMnistParams, optimizers_mnist.run),
    "weight_init_compare": (S.WeightInitCompareParams, weight_init.compare),
    "batch_norm": (S.BatchNormParams, batch_norm.run),
    "overfitting": (S.OverfittingParams, overfitting.run),
    "hyperparameter_search": (S.SearchParams, hyperparameter_search.run),
    "toy_boundary": (S.ToyParams, perceptron.train_toy),
    "universal_approximation": (S.ApproximationParams, nielsen.approximate),
}


def _lab_call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Run an instant lab; its range errors become 422s that name the field."""
    try:
        return clean(fn(**kwargs))
    except LabError as exc:
        raise ApiError(422, "bad_parameter", exc.message, exc.field) from None


@router.get(P)
def catalogue() -> dict[str, Any]:
    return {"jobs": sorted(JOBS), "surfaces": optimizer_race.surfaces(),
            "running": MANAGER.running()}


@router.post(P + "/optimizer-race")
def race(req: S.RaceRequest) -> Any:
    return _lab_call(optimizer_race.race, **req.model_dump())


@router.post(P + "/weight-init/histograms")
def histograms(req: S.HistogramRequest) -> Any:
    return _lab_call(weight_init.histograms, **req.model_dump())


@router.post(P + "/perceptron/gate")
def gate(req: S.GateRequest) -> Any:
    return _lab_call(perceptron.gate, **req.model_dump())


@router.get(P + "/perceptron/xor")
def xor() -> Any:
    return _lab_call(perceptron.xor_two_layers)


@router.post(P + "/gradient-check")
def gradcheck(req: S.GradCheckRequest) -> Any:
    return _lab_call(gradient_check.run, **req.model_dump())


@router.post(P + "/nielsen/cost")
def cost(req: S.CostRequest) -> Any:
    return _lab_call(nielsen.cost_slowdown, **req.model_dump())


# ---- background jobs ---------------------------------------------------------------------
@router.post(P + "/jobs", status_code=202)
def create_job(req: S.JobRequest) -> dict[str, Any]:
    if req.lab not in JOBS:
        raise ApiError(422, "invalid", f"unknown lab {req.lab!r}; choose one of: "
                       f"{', '.join(sorted(JOBS))}", "lab")
    schema, fn = JOBS[req.lab]
    # Each queued job holds a thread until a slot frees: refuse rather than pile them up.
    if MANAGER.waiting() >= MAX_WAITING:
        raise ApiError(429, "busy", f"{MAX_WAITING} lab jobs are already waiting; stop one or "
                       "wait for them to finish", "lab")
    try:
        params = schema.model_validate(req.params).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = f"params.{where}" if where else "params"
        got = first.get("input")
        shown = f", got {got!r}" if not isinstance(got, dict | list) else ""
        raise ApiError(422, "invalid", f"{field}: {first['msg']}{shown}", field) from None
    return MANAGER.submit(req.lab, fn, params).summary()


@router.get(P + "/jobs")
def list_jobs() -> list[dict[str, Any]]:
    return [j.summary() for j in MANAGER.list()]


def _job(job_id: str) -> LabJob:
    job = MANAGER.get(job_id)
    if job is None:
        raise not_found("lab job", job_id)
    return job


@router.get(P + "/jobs/{job_id}")
def get_job(job_id: str) -> Any:
    return clean(_job(job_id).detail())


@router.post(P + "/jobs/{job_id}/stop")
def stop_job(job_id: str) -> dict[str, Any]:
    _job(job_id)
    job = MANAGER.stop(job_id)
    assert job is not None
    return job.summary()


def _envelope(job: LabJob, type_: str, seq: int, data_json: str) -> str:
    """The runs' envelope around already-encoded data (see LabJob.emit)."""
    return f'{{"v":1,"type":"{type_}","run":"{job.id}","seq":{seq},"data":{data_json}}}'


@router.websocket("/ws/labs/{job_id}")
async def job_socket(ws: WebSocket, job_id: str) -> None:
    """Replays the job's events from the start, then follows it until it ends."""
    if not await accept_checked(ws):  # the same Origin check as the run sockets
        return
    job = MANAGER.get(job_id)
    if job is None:
        await ws.send_json({"v": 1, "type": "error", "run": job_id, "seq": 0,
                            "data": {"code": "not_found",
                                     "message": f"lab job {job_id!r} does not exist"}})
        await ws.close(code=4404)
        return
    try:
        await ws.send_text(_envelope(job, "hello", 0, dumps(job.summary())))
        sent = 0
        while True:
            finished = job.status in TERMINAL  # read before draining: no event is missed
            for event in job.events_after(sent):
                await ws.send_text(_envelope(job, event.type, event.seq, event.data_json))
                sent = event.seq
            if finished and not job.events_after(sent):
                break
            await asyncio.sleep(0.1)
        await ws.close()
    except (WebSocketDisconnect, RuntimeError):
        return  # the page went away; the job carries on and can be re-joined
