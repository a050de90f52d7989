"""Turn a RunCreate into the full run config the training thread uses, checking everything
that can be checked before a thread is spent on it (dataset, optimizer, sizes, limits)."""

from __future__ import annotations

import copy
import math
from typing import Any

from ...engine import OPTIMIZERS
from ...engine.core import SpecError
from ...engine.data import dataset_info
from ..errors import ApiError
from ..schemas.runs import RunCreate
from ..settings import Settings
from . import specs

DEFAULTS = {"loss": "softmax_cross_entropy", "batch_size": 100, "epochs": 3, "lr_decay": 1.0,
            "optimizer": {"name": "sgd", "lr": 0.01}}


def _invalid(message: str, field: str) -> ApiError:
    return ApiError(422, "invalid", message, field=field)


def resolve(req: RunCreate, settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config, spec) for a new run; raises ApiError/SpecError naming the bad field."""
    training: dict[str, Any] = {}
    if req.preset is not None:
        preset = specs.preset(req.preset)
        spec, training = preset["spec"], preset.get("training", {})
    else:
        spec = copy.deepcopy(req.spec)
    try:
        info = dataset_info(req.dataset)
    except ValueError as exc:
        raise _invalid(str(exc), "dataset") from None
    if not info.available():
        raise _invalid(f"dataset {req.dataset!r} is not installed on this server", "dataset")
    spec = specs.with_init(spec, req.init)
    spec.setdefault("input_shape", list(info.input_shape))
    n_in = math.prod(spec["input_shape"]) if isinstance(spec["input_shape"], list) else None
    if n_in is not None and n_in != math.prod(info.input_shape):
        raise _invalid(f"spec.input_shape {spec['input_shape']} does not fit {req.dataset} "
                       f"samples of shape {list(info.input_shape)}", "spec.input_shape")

    def pick(key: str) -> Any:
        value = getattr(req, key)
        return value if value is not None else training.get(key, DEFAULTS[key])

    optimizer = req.optimizer.model_dump() if req.optimizer else dict(pick("optimizer"))
    config = {
        "name": req.name or (req.preset or spec.get("name") or "run"),
        "preset": req.preset, "dataset": req.dataset,
        "train_size": req.train_size, "test_size": req.test_size,
        "loss": pick("loss"), "optimizer": optimizer, "init": req.init,
        "weight_decay": req.weight_decay, "lr_decay": pick("lr_decay"),
        "batch_size": pick("batch_size"),
        "epochs": pick("epochs"), "seed": req.seed, "eval_every": req.eval_every,
        "probe_every": req.probe_every,
    }
    if config["train_size"] > settings.max_train_size:
        raise _invalid(f"train_size {req.train_size} is over the server limit "
                       f"max_train_size={settings.max_train_size}", "train_size")
    if config["epochs"] > settings.max_epochs:
        raise _invalid(f"epochs {config['epochs']} is over the server limit "
                       f"max_epochs={settings.max_epochs}", "epochs")
    try:
        OPTIMIZERS.create({**optimizer, "weight_decay": req.weight_decay})
    except ValueError as exc:
        raise _invalid(f"optimizer: {exc}", "optimizer") from None
    try:
        specs.describe(spec, settings, config["batch_size"])
    except SpecError as exc:  # the page highlights spec.layers[index].field
        field = "spec" + (f".layers.{exc.index}" if exc.index is not None else "") + \
            (f".{exc.field}" if exc.field else "")
        raise ApiError(422, "bad_spec", str(exc), field=field, index=exc.index) from None
    return config, spec
