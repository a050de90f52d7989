"""One typed run configuration with one set of defaults, and the one function that turns a
request (from the page, the command line or a preset) into it.

Precedence, field by field: what the request says, else the preset's training settings,
else the defaults below.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..engine import LAYERS, OPTIMIZERS, get_preset
from ..engine.data import dataset_info
from .errors import ConfigError

LossName = Literal["softmax_cross_entropy", "mse", "sigmoid_bce"]


class OptimizerConfig(BaseModel):
    """``name`` and ``lr`` plus the optimizer's own hyperparameters (beta1, momentum, ...);
    the engine checks the extra ones and names a bad one."""

    model_config = ConfigDict(extra="allow")
    name: str = Field("sgd", min_length=1, max_length=32)
    lr: float = Field(0.01, gt=0, le=1e3, allow_inf_nan=False)

    @model_validator(mode="after")
    def _numbers(self) -> OptimizerConfig:
        for key, value in (self.model_extra or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value):
                raise ValueError(f"optimizer.{key} must be a finite number, got {value!r}")
        return self


class RunConfig(BaseModel):
    """Everything a training run needs; the defaults are the only ones."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("run", max_length=100)
    preset: str | None = None
    spec: dict[str, Any]
    dataset: str = "mnist"
    train_size: int = Field(5000, ge=1)
    test_size: int = Field(1000, ge=1, le=10_000)
    loss: LossName = "softmax_cross_entropy"
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    init: str | dict[str, Any] | None = None
    weight_decay: float = Field(0.0, ge=0, le=10)
    lr_decay: float = Field(1.0, gt=0, le=1)  # lr multiplied by this after each epoch
    lr_schedule: Literal["step", "linear"] = "step"  # engine.callbacks.SCHEDULES
    batch_size: int = Field(100, ge=1, le=10_000)
    epochs: int = Field(3, ge=1)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    eval_every: int = Field(0, ge=0)  # 0: evaluate the test set once per epoch
    probe_every: int = Field(50, ge=0)


TRAINING_KEYS = ("loss", "optimizer", "weight_decay", "lr_decay", "lr_schedule", "batch_size",
                 "epochs", "dataset")


def _with_init(spec: dict[str, Any], init: str | dict | None) -> dict[str, Any]:
    """Every layer that takes an initialiser gets ``init`` (the run's override)."""
    layers = spec.get("layers")
    if init is None or not isinstance(layers, list):
        return spec  # a malformed spec is the spec validator's to report
    for layer in layers:
        if isinstance(layer, dict) and isinstance(layer.get("type"), str) \
                and layer["type"] in LAYERS and LAYERS.get(layer["type"]).takes_init():
            layer["init"] = copy.deepcopy(init)
    return spec


def resolve(request: dict[str, Any], max_train_size: int | None = None,
            max_epochs: int | None = None) -> RunConfig:
    """A RunConfig from a request dict (None values mean "not given"); raises ConfigError
    naming the field."""
    given = {k: v for k, v in request.items() if v is not None}
    training: dict[str, Any] = {}
    if given.get("preset") is not None:
        try:
            preset = get_preset(given["preset"])
        except ValueError as exc:
            raise ConfigError(str(exc), "preset", code="unknown_preset",
                              name=given["preset"]) from None
        given.setdefault("spec", preset["spec"])
        training = preset.get("training", {})
    merged = {**{k: training[k] for k in TRAINING_KEYS if k in training}, **given}
    if "dataset" not in given and "dataset" in training:
        merged["dataset"] = training["dataset"]
    merged.setdefault("name", given.get("preset") or (merged.get("spec") or {}).get("name")
                      or "run")
    if not merged["name"]:
        merged["name"] = given.get("preset") or "run"
    try:
        config = RunConfig.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ConfigError(f"{field}: {first['msg']}", field, code=first["type"],
                          **{k: v for k, v in (first.get("ctx") or {}).items()
                             if isinstance(v, int | float | str)}) from None
    _check(config, max_train_size, max_epochs)
    return config


def _check(config: RunConfig, max_train_size: int | None, max_epochs: int | None) -> None:
    try:
        info = dataset_info(config.dataset)
    except ValueError as exc:
        raise ConfigError(str(exc), "dataset", code="unknown_dataset",
                          name=config.dataset) from None
    if not info.available():
        raise ConfigError(f"dataset {config.dataset!r} is not installed on this server",
                          "dataset", code="dataset_missing", name=config.dataset)
    spec = _with_init(copy.deepcopy(config.spec), config.init)
    shape = spec.setdefault("input_shape", list(info.input_shape))
    well_formed = isinstance(shape, list) and shape and all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)
    if well_formed and math.prod(shape) != math.prod(info.input_shape):
        raise ConfigError(f"spec.input_shape {shape} does not fit {config.dataset} samples "
                          f"of shape {list(info.input_shape)}", "spec.input_shape",
                          code="input_shape_mismatch", shape=str(shape),
                          expected=str(list(info.input_shape)))
    config.spec = spec
    if max_train_size is not None and config.train_size > max_train_size:
        raise ConfigError(f"train_size {config.train_size} is over the server limit "
                          f"max_train_size={max_train_size}", "train_size",
                          code="over_limit", limit=max_train_size)
    if max_epochs is not None and config.epochs > max_epochs:
        raise ConfigError(f"epochs {config.epochs} is over the server limit "
                          f"max_epochs={max_epochs}", "epochs", code="over_limit",
                          limit=max_epochs)
    try:
        OPTIMIZERS.create({**config.optimizer.model_dump(), "weight_decay": config.weight_decay})
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"optimizer: {exc}", "optimizer", code="bad_optimizer") from None
