"""Typed dependencies: routes declare what they need (``jobs: JobsDep``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from ..jobs.hub import Hub
from ..jobs.service import JobService
from ..jobs.store import JobStore
from .auth import Access, Principal, principal_of
from .services.models import ModelStore
from .services.sockets import SocketCounts
from .settings import Settings

if TYPE_CHECKING:
    from .services.classroom import Classroom


@dataclass
class Services:
    settings: Settings
    store: JobStore
    hub: Hub
    jobs: JobService
    models: ModelStore
    classroom: Classroom
    access: Access | None = None  # None: localhost, no sign-in
    sockets: SocketCounts = field(default_factory=SocketCounts)  # open WebSockets a person


def _services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    return _services(request).settings


def get_jobs(request: Request) -> JobService:
    return _services(request).jobs


def get_models(request: Request) -> ModelStore:
    """The folder of saved models this person sees: their own in a class."""
    services, who = _services(request), principal_of(request)
    return services.models if who.name is None else services.classroom.models_for(who)


def get_principal(request: Request) -> Principal:
    return principal_of(request)


SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[JobService, Depends(get_jobs)]
ModelsDep = Annotated[ModelStore, Depends(get_models)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
