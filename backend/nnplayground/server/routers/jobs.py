"""Every live job of every kind, with the queue in order: what the local executor is doing."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import JobsDep, PrincipalDep

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("")
def live_jobs(jobs: JobsDep, who: PrincipalDep) -> dict:
    return jobs.jobs(owner=who.owner)
