"""What the page needs to build its forms: layer types, optimizers, initialisers, losses,
datasets and presets, all read from the engine's registries (nothing duplicated here)."""

from __future__ import annotations

import functools
import inspect
from typing import Any

from fastapi import APIRouter

from ...engine import INITIALIZERS, LAYERS, LOSSES, OPTIMIZERS, all_presets
from ...engine.data import DATASETS
from ...jobs import model as job_model

router = APIRouter(prefix="/api", tags=["meta"])


def _fields(factory: Any, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = []
    for name, p in inspect.signature(factory).parameters.items():
        if name in skip or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        default = None if p.default is inspect.Parameter.empty else p.default
        rows.append({"name": name, "required": p.default is inspect.Parameter.empty,
                     "default": default if isinstance(default, int | float | str | bool | list
                                                      | dict | None) else repr(default)})
    return rows


@functools.lru_cache(maxsize=1)
def _static_meta() -> dict[str, Any]:
    return {
        "layers": [{"type": n, "fields": _fields(LAYERS.get(n))} for n in LAYERS.names()],
        "optimizers": [{"name": n, "hyperparameters": _fields(OPTIMIZERS.get(n))}
                       for n in OPTIMIZERS.names()],
        "initializers": [{"name": n, "fields": _fields(INITIALIZERS.get(n), ("shape", "rng",
                                                                            "dtype", "fan_in",
                                                                            "fan_out"))}
                         for n in INITIALIZERS.names()],
        "losses": LOSSES.names(),
        "presets": all_presets(),
        **job_model.meta(),  # statuses, finished, live, transitions: one list for the page
    }


@router.get("/meta")
def meta() -> dict[str, Any]:
    # Dataset availability can change (Fashion-MNIST installed later): never cached.
    return {**_static_meta(), "datasets": [d.to_dict() for d in DATASETS.values()]}
