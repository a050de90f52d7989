"""Bodies of the remote-run API: a script's ``fit`` streamed by ``callbacks.Playground``
(docs/python-api.md, "HTTP contract")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...jobs.config import OptimizerConfig

MAX_EVENTS = 5000  # per request; the client sends at most 2000


class RemoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=100)
    spec: dict[str, Any]
    dataset: Literal["mnist", "fashion_mnist"] | None = None
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    weight_decay: float = Field(0.0, ge=0, le=10)
    loss: Literal["softmax_cross_entropy", "mse", "sigmoid_bce"] = "softmax_cross_entropy"
    epochs: int = Field(ge=1, le=1_000_000)
    initial_epoch: int = Field(0, ge=0)
    batch_size: int = Field(ge=1, le=10_000)
    steps_per_epoch: int = Field(ge=1, le=100_000_000)
    train_size: int = Field(ge=1)
    test_size: int = Field(1000, ge=1, le=10_000)


class RemoteCreated(BaseModel):
    id: int
    token: str


class StepEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["step"]
    step: int = Field(ge=1)
    loss: float | None = None  # None: the loss was NaN or infinite
    epoch: int = Field(0, ge=0)


class EpochEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["epoch"]
    epoch: int = Field(ge=1)
    step: int = Field(ge=0)
    loss: float | None = None
    accuracy: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    seconds: float | None = None


Event = Annotated[StepEvent | EpochEvent, Field(discriminator="type")]


class RemoteEvents(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)
    events: list[Event] = Field(max_length=MAX_EVENTS)
    lr: float | None = None


class RemoteEventsReply(BaseModel):
    accepted: int


class RemoteEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)
    status: Literal["completed", "stopped", "failed", "interrupted"]
    error: str | None = Field(None, max_length=2000)
    result: dict[str, Any] | None = None
