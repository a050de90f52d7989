from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...jobs.config import OptimizerConfig
from ...jobs.model import Status


class RunCreate(BaseModel):
    """A new run: what is left out comes from the preset's training settings, else from
    RunConfig's defaults (jobs/config.py holds the only defaults)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100)
    preset: str | None = Field(None, max_length=64)
    spec: dict[str, Any] | None = None
    dataset: str | None = Field(None, max_length=64)
    train_size: int | None = Field(None, ge=1)
    test_size: int | None = Field(None, ge=1, le=10_000)
    loss: Literal["softmax_cross_entropy", "mse", "sigmoid_bce"] | None = None
    optimizer: OptimizerConfig | None = None
    init: str | dict[str, Any] | None = None
    weight_decay: float | None = Field(None, ge=0, le=10)
    lr_decay: float | None = Field(None, gt=0, le=1)  # lr multiplied by this after each epoch
    lr_schedule: Literal["step", "linear"] | None = None
    batch_size: int | None = Field(None, ge=1, le=10_000)
    epochs: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    eval_every: int | None = Field(None, ge=0)
    probe_every: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one_source(self) -> RunCreate:
        if (self.preset is None) == (self.spec is None):
            raise ValueError("give exactly one of 'preset' or 'spec'")
        return self


class RunUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lr: float = Field(gt=0, le=1e3)

    @field_validator("lr")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("lr must be finite")
        return v


class RunSummary(BaseModel):
    id: int
    kind: str = "train"
    name: str
    owner: str | None = None  # the learner whose run it is (a class); None on localhost
    status: Status
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    queue_position: int | None = None
    progress: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    config: dict[str, Any]


class Run(RunSummary):
    history: dict[str, list]
