from __future__ import annotations

from fastapi import APIRouter

from ... import __version__
from ..deps import ManagerDep

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(manager: ManagerDep) -> dict:
    return {"status": "ok", "version": __version__, "runs": manager.running_counts()}
