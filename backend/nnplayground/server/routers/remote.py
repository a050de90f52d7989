"""Remote runs (docs/python-api.md, "HTTP contract"): a script's ``fit`` streamed by
``callbacks.Playground``.  The service (services/remote.py) is created on first use from the
app's services, so wiring it is one include line in app.py."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from ..auth import principal_of
from ..errors import ApiError
from ..schemas.common import ERRORS
from ..schemas.ids import JobId
from ..schemas.remote import (
    RemoteCreate,
    RemoteCreated,
    RemoteEnd,
    RemoteEvents,
    RemoteEventsReply,
)
from ..schemas.runs import RunSummary
from ..services.remote import RemoteRuns

router = APIRouter(prefix="/api/runs", tags=["remote runs"])
_created = threading.Lock()


def get_remote(request: Request) -> RemoteRuns:
    state = request.app.state
    with _created:
        if getattr(state, "remote_runs", None) is None:
            s = state.services
            state.remote_runs = RemoteRuns(s.settings, s.jobs)
    return state.remote_runs


RemoteDep = Annotated[RemoteRuns, Depends(get_remote)]


@router.post("/remote", status_code=201, response_model=RemoteCreated, responses=ERRORS)
def create(body: RemoteCreate, remote: RemoteDep, request: Request) -> dict:
    return remote.create(body, owner=principal_of(request).name)  # a class: the learner's


@router.post("/{run_id}/remote/events", response_model=RemoteEventsReply, responses=ERRORS)
def events(run_id: JobId, body: RemoteEvents, remote: RemoteDep) -> dict:
    return remote.events(run_id, body.token, body.events, body.lr)


@router.put("/{run_id}/remote/weights", responses=ERRORS)
async def weights(run_id: JobId, request: Request, remote: RemoteDep,
                  token: Annotated[str, Query(min_length=1, max_length=200)],
                  epoch: Annotated[int | None, Query(ge=1)] = None) -> dict:
    settings = request.app.state.services.settings
    limit = min(settings.max_upload_bytes, settings.max_request_bytes)
    chunks, size = [], 0
    async for chunk in request.stream():  # counted as it arrives: no header is trusted
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"weights upload is over the limit of {limit} "
                           "bytes (max_request_bytes)", field="body")
        chunks.append(chunk)
    if not size:
        raise ApiError(422, "invalid", "the request body is empty; send the weights as a "
                       ".npz model file (application/octet-stream)", field="body")
    return await run_in_threadpool(remote.weights, run_id, token, b"".join(chunks), epoch)


@router.post("/{run_id}/remote/end", response_model=RunSummary, responses=ERRORS)
def end(run_id: JobId, body: RemoteEnd, remote: RemoteDep) -> dict:
    return remote.end(run_id, body.token, body.status, body.error, body.result)
