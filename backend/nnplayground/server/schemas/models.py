from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ModelSave(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=68)


class ModelInfo(BaseModel):
    name: str
    size_bytes: int
    modified_at: float
    params: int | None = None
    spec: dict[str, Any] | None = None
    error: str | None = None
