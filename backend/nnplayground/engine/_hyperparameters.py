"""Checks of the optimizers' numeric arguments: each raises ValueError naming the argument."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_number(name: str, value: Any) -> float:
    # bool is an int subclass; "lr": true in a JSON body is a mistake, not 1.0.
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def positive(name: str, value: Any) -> float:
    value = check_number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def unit_interval(name: str, value: Any) -> float:
    """0 <= value < 1: momentum-like coefficients (1 would never forget, >1 diverges)."""
    value = check_number(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value
