"""Runs: create (queued FIFO), list, get, pause/resume/stop, change lr, delete, evaluate (and
list one confusion-matrix cell), predict against the live weights, save as a model.  Each
route calls the job service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ..deps import JobsDep, ModelsDep, PrincipalDep, SettingsDep
from ..jsonenc import SafeJSONResponse
from ..schemas.common import ERRORS
from ..schemas.ids import JobId
from ..schemas.models import ModelInfo, ModelSave
from ..schemas.predict import CellMistakes, Evaluation, Prediction, PredictRequest
from ..schemas.runs import Run, RunCreate, RunSummary, RunUpdate
from ..services import predict, runconfig
from ..services.models import check_name

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.post("", status_code=201, response_model=Run, responses=ERRORS)
def create_run(body: RunCreate, jobs: JobsDep, settings: SettingsDep, who: PrincipalDep,
               request: Request) -> dict:
    config = runconfig.resolve(body, settings)
    request.app.state.services.classroom.check_create(who, config)  # a class's fair share
    return jobs.create_run(config, owner=who.name)


@router.get("", response_model=list[RunSummary])
def list_runs(jobs: JobsDep, who: PrincipalDep,
              limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[dict]:
    return jobs.list_runs(limit, offset, owner=who.owner)


@router.get("/{run_id}", response_model=Run, responses=ERRORS)
def get_run(run_id: JobId, jobs: JobsDep) -> dict:
    return jobs.get_run(run_id)


@router.post("/{run_id}/pause", response_model=Run, responses=ERRORS)
def pause(run_id: JobId, jobs: JobsDep, who: PrincipalDep) -> dict:
    jobs.pause(run_id, actor=who.name)
    return jobs.get_run(run_id)


@router.post("/{run_id}/resume", response_model=Run, responses=ERRORS)
def resume(run_id: JobId, jobs: JobsDep, who: PrincipalDep) -> dict:
    jobs.resume(run_id, actor=who.name)
    return jobs.get_run(run_id)


@router.post("/{run_id}/stop", response_model=Run, responses=ERRORS)
def stop(run_id: JobId, jobs: JobsDep, who: PrincipalDep) -> dict:
    jobs.stop(run_id, actor=who.name)
    return jobs.get_run(run_id)


@router.patch("/{run_id}", response_model=Run, responses=ERRORS)
def update(run_id: JobId, body: RunUpdate, jobs: JobsDep) -> dict:
    jobs.set_lr(run_id, body.lr)
    return jobs.get_run(run_id)


@router.delete("/{run_id}", status_code=204, responses=ERRORS)
def delete(run_id: JobId, jobs: JobsDep, who: PrincipalDep) -> Response:
    jobs.delete(run_id, actor=who.name)
    return Response(status_code=204)


@router.post("/{run_id}/evaluate", responses={200: {"model": Evaluation}, **ERRORS})
def evaluate(run_id: JobId, jobs: JobsDep) -> SafeJSONResponse:
    return SafeJSONResponse(jobs.evaluate(run_id))


@router.get("/{run_id}/mistakes", responses={200: {"model": CellMistakes}, **ERRORS})
def mistakes(run_id: JobId, jobs: JobsDep,
             true: Annotated[int, Query(ge=0, le=999, description="true class (row)")],
             pred: Annotated[int, Query(ge=0, le=999, description="predicted class (column)")],
             offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
             limit: Annotated[int, Query(ge=1, le=200)] = 100) -> SafeJSONResponse:
    """Every test example the run's newest weights put in one confusion-matrix cell, most
    confident first, a page at a time (the evaluation sends only the top mistakes)."""
    return SafeJSONResponse(jobs.cell(run_id, true, pred, offset, limit))


@router.get("/{run_id}/points", responses=ERRORS)
def points(run_id: JobId, jobs: JobsDep,
           limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict:
    """Training points of a 2-D toy-data run, for the decision-boundary map."""
    return jobs.points(run_id, limit)


@router.post("/{run_id}/predict", responses={200: {"model": Prediction}, **ERRORS})
def predict_run(run_id: JobId, body: PredictRequest, jobs: JobsDep) -> SafeJSONResponse:
    # The result holds numpy arrays: returned as a response directly so FastAPI does not walk
    # thousands of floats through jsonable_encoder (the encoder converts arrays in C).
    if body.points is not None:
        return SafeJSONResponse(jobs.infer(run_id, lambda m: predict.run_points(m,
                                                                              body.points)))
    image = predict.input_image(body)
    return SafeJSONResponse(jobs.infer(run_id, lambda m: predict.run_model(m, image,
                                                                         body.layers)))


@router.post("/{run_id}/save", status_code=201, response_model=ModelInfo, responses=ERRORS)
def save(run_id: JobId, body: ModelSave, jobs: JobsDep, models: ModelsDep) -> dict:
    name = check_name(body.name)
    return jobs.infer(run_id, lambda m: models.save(name, m))
