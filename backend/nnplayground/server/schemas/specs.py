from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SpecValidate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: dict[str, Any]
    batch_size: int = Field(100, ge=1, le=10_000)


class LayerInfo(BaseModel):
    index: int
    type: str
    output_shape: list[int]
    params: int


class SpecWarning(BaseModel):
    code: str
    message: str
    index: int | None = None
    field: str | None = None
    params: dict[str, Any] = {}


class SpecInfo(BaseModel):
    layers: list[LayerInfo]
    output_shape: list[int]
    total_params: int
    memory_bytes: int
    warnings: list[SpecWarning] = []
