"""Runs: create (queued FIFO), list, get, pause/resume/stop, change lr, delete, evaluate,
predict against the live weights, save as a model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..deps import ManagerDep, ModelsDep, SettingsDep
from ..errors import ApiError
from ..jsonenc import SafeJSONResponse
from ..schemas.common import ERRORS
from ..schemas.models import ModelInfo, ModelSave
from ..schemas.predict import Evaluation, Prediction, PredictRequest
from ..schemas.runs import Run, RunCreate, RunSummary, RunUpdate
from ..services import datasets, predict, probes, runconfig
from ..services.models import check_name

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.post("", status_code=201, response_model=Run, responses=ERRORS)
def create_run(body: RunCreate, manager: ManagerDep, settings: SettingsDep) -> dict:
    config, spec = runconfig.resolve(body, settings)
    run = manager.create(config["name"], config, spec)
    return manager.get(run.id)


@router.get("", response_model=list[RunSummary])
def list_runs(manager: ManagerDep) -> list[dict]:
    return manager.list()


@router.get("/{run_id}", response_model=Run, responses=ERRORS)
def get_run(run_id: int, manager: ManagerDep) -> dict:
    return manager.get(run_id)


@router.post("/{run_id}/pause", response_model=Run, responses=ERRORS)
def pause(run_id: int, manager: ManagerDep) -> dict:
    manager.pause(run_id)
    return manager.get(run_id)


@router.post("/{run_id}/resume", response_model=Run, responses=ERRORS)
def resume(run_id: int, manager: ManagerDep) -> dict:
    manager.resume(run_id)
    return manager.get(run_id)


@router.post("/{run_id}/stop", response_model=Run, responses=ERRORS)
def stop(run_id: int, manager: ManagerDep) -> dict:
    manager.stop(run_id)
    return manager.get(run_id)


@router.patch("/{run_id}", response_model=Run, responses=ERRORS)
def update(run_id: int, body: RunUpdate, manager: ManagerDep) -> dict:
    manager.set_lr(run_id, body.lr)
    return manager.get(run_id)


@router.delete("/{run_id}", status_code=204, responses=ERRORS)
def delete(run_id: int, manager: ManagerDep) -> Response:
    manager.delete(run_id)
    return Response(status_code=204)


@router.post("/{run_id}/evaluate", responses={200: {"model": Evaluation}, **ERRORS})
def evaluate(run_id: int, manager: ManagerDep) -> SafeJSONResponse:
    run = manager.runs.get(run_id)
    if run is None or run.data is None:
        manager.get(run_id, history=False)  # 404 for unknown runs
        raise ApiError(409, "no_data", f"run {run_id} has no test data in memory (it has not "
                       "started, or it finished before a server restart)")
    data = run.data
    return SafeJSONResponse(manager.infer(
        run_id, lambda m: probes.evaluate(m, data.x_test, data.y_test, len(data.classes))))


@router.get("/{run_id}/points", responses=ERRORS)
def points(run_id: int, manager: ManagerDep,
           limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict:
    """Training points of a 2-D toy-data run, for the decision-boundary map."""
    cfg = manager.get(run_id, history=False)["config"]
    try:
        return datasets.toy_points(cfg["dataset"], cfg["train_size"], cfg["seed"], limit)
    except ValueError as exc:
        raise ApiError(409, "not_toy", str(exc), field="dataset") from None


@router.post("/{run_id}/predict", responses={200: {"model": Prediction}, **ERRORS})
def predict_run(run_id: int, body: PredictRequest, manager: ManagerDep) -> SafeJSONResponse:
    # The result holds numpy arrays: returned as a response directly so FastAPI does not walk
    # thousands of floats through jsonable_encoder (the encoder converts arrays in C).
    if body.points is not None:
        return SafeJSONResponse(manager.infer(run_id, lambda m: predict.run_points(m,
                                                                                 body.points)))
    image = predict.input_image(body)
    return SafeJSONResponse(manager.infer(run_id, lambda m: predict.run_model(m, image,
                                                                            body.layers)))


@router.post("/{run_id}/save", status_code=201, response_model=ModelInfo, responses=ERRORS)
def save(run_id: int, body: ModelSave, manager: ManagerDep, models: ModelsDep) -> dict:
    name = check_name(body.name)
    return manager.infer(run_id, lambda m: models.save(name, m))
