"""A RunCreate request becomes the one RunConfig (jobs.config.resolve, which the command
line and the presets use too), checked against this server's limits before any thread is
spent on it."""

from __future__ import annotations

from ...engine.core import SpecError
from ...jobs.config import RunConfig
from ...jobs.config import resolve as resolve_config
from ..errors import spec_error
from ..schemas.runs import RunCreate
from ..settings import Settings
from . import specs


def resolve(req: RunCreate, settings: Settings) -> RunConfig:
    config = resolve_config(req.model_dump(exclude_none=True),
                            max_train_size=settings.max_train_size,
                            max_epochs=settings.max_epochs)
    try:
        specs.describe(config.spec, settings, config.batch_size)
    except SpecError as exc:  # the page highlights spec.layers[index].field
        raise spec_error(exc, prefix="spec") from None
    return config
