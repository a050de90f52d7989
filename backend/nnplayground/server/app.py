"""The app factory: wires settings, services, routers, error handlers and static files.

``nnplayground serve`` runs ``uvicorn nnplayground.server.app:create_app --factory``.
Live job state lives in this process's memory (the local executor): one worker process
per server.  With ``NNPG_EXECUTOR=ray`` jobs live on a Ray cluster and any number of these
servers mirror them (jobs/ray_executor.py).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import importlib.metadata
import importlib.resources
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..jobs.executor import Executor
from ..jobs.hub import Hub
from ..jobs.recorder import Recorder
from ..jobs.service import JobService, JobSettings
from ..jobs.store import JobStore, SqliteJobStore
from . import errors
from .auth import Access, AccessMiddleware, check_startup
from .deps import Services
from .errors import ApiError
from .jsonenc import SafeJSONResponse
from .middleware import LimitsAndTiming
from .routers import auth, classroom, health, jobs, meta, models, remote, runs, specs, ws
from .services.classroom import Classroom
from .services.models import ModelStore
from .settings import Settings

log = logging.getLogger("nnplayground.server")


def plotly_js() -> Path:
    return Path(str(importlib.resources.files("plotly") / "package_data" / "plotly.min.js"))


@functools.lru_cache(maxsize=1)
def plotly_gzip() -> bytes:
    """plotly.min.js compressed once per process: 4.6 MB -> about 1.4 MB on the wire."""
    return gzip.compress(plotly_js().read_bytes(), compresslevel=9, mtime=0)


def swagger_ui_dir() -> Path:
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


# The URL does not change with the version, so a week and an ETag rather than "immutable".
PLOTLY_CACHE = "public, max-age=604800"


def build_services(settings: Settings) -> Services:
    check_startup(settings)  # before anything is opened: a refused start leaves no trace
    access = Access(settings) if settings.access else None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = _store(settings)
    if settings.executor == "local":  # on a cluster, other servers' jobs are not ours to end
        cut = store.mark_interrupted()
        if cut:
            log.warning("%d job(s) left live by the previous server are now 'interrupted'",
                        cut)
        _remove_leftovers(settings.weights_dir)
    hub = Hub()
    jobs = JobService(JobSettings(
        weights_dir=settings.weights_dir, max_concurrent=settings.max_concurrent,
        snapshot_interval=settings.snapshot_interval, pause_grace=settings.pause_grace,
        lab_idle_seconds=settings.lab_idle_seconds, max_waiting_labs=settings.max_waiting_labs),
        store, hub, make_executor=_ray_executor(settings) if settings.executor == "ray" else None)
    room = Classroom(settings.data_dir / "classroom.json", jobs, settings.models_dir,
                     access.teachers if access else set, settings.max_model_bytes)
    if access is not None:  # localhost keeps plain first-come-first-served
        jobs.executor.set_running_limit(room.running_limit)
    models = ModelStore(settings.models_dir, max_bytes=settings.max_model_bytes)
    return Services(settings, store, hub, jobs, models, room, access)


def _announce(settings: Settings, access: Access) -> None:
    """Printed, not logged: the teacher needs these lines whatever the log level."""
    base = f"http://{settings.host}:{settings.port}"
    if access.mode == "code":
        lines = [f"  learners: {base}/?code={access.class_code}",
                 f"  class code: {access.class_code}",
                 f"  teacher:  {base}/?code={access.teacher_code}  (keep this one to yourself)"]
    else:
        lines = [f"  {base}/  -- sign in with a name and password from {settings.users_file}"]
    print("nn-playground class is open:", *lines, sep="\n", file=sys.stderr, flush=True)


def _store(settings: Settings) -> JobStore:
    if settings.database_url:
        from ..jobs.pg_store import PgJobStore  # psycopg: the optional [cluster] extra

        return PgJobStore(settings.database_url)
    return SqliteJobStore(settings.db_path)


def _ray_executor(settings: Settings) -> Callable[[Recorder], Executor]:
    from ..jobs.ray_executor import RayExecutor  # ray: the optional [cluster] extra

    return lambda recorder: RayExecutor(recorder, settings.store_location,
                                        str(settings.weights_dir), settings.ray_address,
                                        settings.cpus_per_job)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of writes a crash cut short (a finished write is renamed)."""
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp-*"):
            tmp.unlink(missing_ok=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    services = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.hub.bind(asyncio.get_running_loop())
        services.jobs.start()
        yield
        await asyncio.to_thread(services.jobs.shutdown)
        services.store.close()

    # /docs is served below from local files: FastAPI's default pages load from a CDN.
    app = FastAPI(title="nn-playground", version=__version__, lifespan=lifespan,
                  default_response_class=SafeJSONResponse, docs_url=None, redoc_url=None)
    app.state.services = services
    errors.install(app)

    app.add_middleware(LimitsAndTiming, settings=settings)
    if services.access is not None:
        app.add_middleware(AccessMiddleware, services=services)
        _announce(settings, services.access)
    errors.install_catch_all(app)

    for module in (health, meta, specs, runs, remote, jobs, models, ws, auth, classroom):
        app.include_router(module.router)
    _include_labs(app)

    _mount_static(app, settings)
    return app


def _include_labs(app: FastAPI) -> None:
    # Labs are a separate part; if their module cannot be imported the training server must
    # still start (the error is logged loudly and the lab routes answer 404).
    try:
        from .routers import labs
    except Exception:
        log.exception("the labs router failed to import; /api/labs is unavailable")
        return
    app.include_router(labs.router)
    app.include_router(labs.instant_routes())


def _mount_static(app: FastAPI, settings: Settings) -> None:
    index = settings.frontend_dir / "index.html"

    @app.get("/", include_in_schema=False)
    def home() -> FileResponse:
        if not index.is_file():
            raise ApiError(404, "not_found", "the page is missing from this installation")
        return FileResponse(index)

    etag = f'"plotly-{importlib.metadata.version("plotly")}"'

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly(request: Request) -> Response:
        headers = {"cache-control": PLOTLY_CACHE, "etag": etag, "vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            return Response(plotly_gzip(), media_type="text/javascript",
                            headers={**headers, "content-encoding": "gzip"})
        return FileResponse(plotly_js(), media_type="text/javascript", headers=headers)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="nn-playground API",
            swagger_js_url="/vendor/docs/swagger-ui-bundle.js",
            swagger_css_url="/vendor/docs/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg")

    # Swagger UI's files, shipped by the fastapi-offline package.
    app.mount("/vendor/docs", StaticFiles(directory=swagger_ui_dir()), name="docs")
    if settings.frontend_dir.is_dir():
        app.mount("/app", StaticFiles(directory=settings.frontend_dir), name="app")
    if settings.static_dir.is_dir():
        app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
