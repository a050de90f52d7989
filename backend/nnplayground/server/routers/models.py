"""Saved models: list, download, upload (raw .npz body, size-limited, validated by the
engine loader which refuses pickles), delete, predict."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from ..deps import JobsDep, ModelsDep, PrincipalDep, SettingsDep
from ..errors import ApiError
from ..jsonenc import SafeJSONResponse
from ..schemas.common import ERRORS
from ..schemas.models import ModelInfo
from ..schemas.predict import Prediction, PredictRequest
from ..services import predict

router = APIRouter(prefix="/api/models", tags=["models"])


@router.get("", response_model=list[ModelInfo])
def list_models(models: ModelsDep) -> list[dict]:
    return models.list()


@router.get("/{name}", responses=ERRORS, response_class=FileResponse)
def download(name: str, models: ModelsDep) -> FileResponse:
    path = models.existing(name)
    return FileResponse(path, media_type="application/octet-stream", filename=path.name)


@router.post("", status_code=201, response_model=ModelInfo, responses=ERRORS)
async def upload(request: Request, models: ModelsDep, settings: SettingsDep,
                 name: str = Query(min_length=1, max_length=68)) -> dict:
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"upload of {declared} bytes is over the limit "
                       f"max_upload_bytes={limit}", field="body")
    chunks, size = [], 0
    async for chunk in request.stream():  # counted as it arrives: no header is trusted
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"upload is over the limit max_upload_bytes={limit}",
                           field="body")
        chunks.append(chunk)
    if not size:
        raise ApiError(422, "invalid", "the request body is empty; send the .npz file as "
                       "application/octet-stream", field="body")
    return await run_in_threadpool(models.upload, name, b"".join(chunks))


@router.delete("/{name}", status_code=204, responses=ERRORS)
def delete(name: str, models: ModelsDep, jobs: JobsDep, who: PrincipalDep) -> Response:
    models.delete(name)
    jobs.store.add_audit(who.name, "delete_model", None, {"name": name})
    return Response(status_code=204)


@router.post("/{name}/predict", responses={200: {"model": Prediction}, **ERRORS})
def predict_model(name: str, body: PredictRequest, models: ModelsDep) -> SafeJSONResponse:
    model, lock = models.load(name)
    with lock:
        if body.points is not None:
            return SafeJSONResponse(predict.run_points(model, body.points))
        return SafeJSONResponse(predict.run_model(model, predict.input_image(body), body.layers))
