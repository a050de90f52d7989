"""Typed dependencies: routes declare what they need (``manager: ManagerDep``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from .services.hub import Hub
from .services.manager import RunManager
from .services.models import ModelStore
from .services.store import RunStore
from .settings import Settings


@dataclass
class Services:
    settings: Settings
    store: RunStore
    hub: Hub
    manager: RunManager
    models: ModelStore


def _services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    return _services(request).settings


def get_manager(request: Request) -> RunManager:
    return _services(request).manager


def get_models(request: Request) -> ModelStore:
    return _services(request).models


SettingsDep = Annotated[Settings, Depends(get_settings)]
ManagerDep = Annotated[RunManager, Depends(get_manager)]
ModelsDep = Annotated[ModelStore, Depends(get_models)]
