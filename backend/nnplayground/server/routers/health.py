from __future__ import annotations

from fastapi import APIRouter

from ... import __version__
from ..deps import JobsDep

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(jobs: JobsDep) -> dict:
    return {"status": "ok", "version": __version__, "runs": jobs.counts()}
