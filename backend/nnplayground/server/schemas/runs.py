from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Status = Literal["queued", "running", "paused", "completed", "stopped", "failed", "diverged",
                 "interrupted"]


class OptimizerConfig(BaseModel):
    """``name`` and ``lr`` plus the optimizer's own hyperparameters (beta1, momentum, ...);
    the engine checks the extra ones and names a bad one."""

    model_config = ConfigDict(extra="allow")
    name: str = Field("sgd", min_length=1, max_length=32)
    lr: float = Field(0.01, gt=0, le=1e3)

    @model_validator(mode="after")
    def _numbers(self) -> OptimizerConfig:
        for key, value in (self.model_extra or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value):
                raise ValueError(f"optimizer.{key} must be a finite number, got {value!r}")
        return self


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=100)
    preset: str | None = Field(None, max_length=64)
    spec: dict[str, Any] | None = None
    dataset: str = "mnist"
    train_size: int = Field(5000, ge=1)
    test_size: int = Field(1000, ge=1, le=10_000)
    loss: Literal["softmax_cross_entropy", "mse", "sigmoid_bce"] | None = None
    optimizer: OptimizerConfig | None = None
    init: str | dict[str, Any] | None = None
    weight_decay: float = Field(0.0, ge=0, le=10)
    lr_decay: float | None = Field(None, gt=0, le=1)  # lr multiplied by this after each epoch
    batch_size: int | None = Field(None, ge=1, le=10_000)
    epochs: int | None = Field(None, ge=1)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    eval_every: int = Field(0, ge=0)
    probe_every: int = Field(50, ge=0)

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
    name: str
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
