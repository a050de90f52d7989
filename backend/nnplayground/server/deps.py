"""Typed dependencies: routes declare what they need (``jobs: JobsDep``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..jobs.hub import Hub
from ..jobs.service import JobService
from ..jobs.store import JobStore
from .services.models import ModelStore
from .settings import Settings


@dataclass
class Services:
    settings: Settings
    store: JobStore
    hub: Hub
    jobs: JobService
    models: ModelStore


def _services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    return _services(request).settings


def get_jobs(request: Request) -> JobService:
    return _services(request).jobs


def get_models(request: Request) -> ModelStore:
    return _services(request).models


SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[JobService, Depends(get_jobs)]
ModelsDep = Annotated[ModelStore, Depends(get_models)]
