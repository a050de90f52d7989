"""Gradient check (the book §5.7) on every model the lab offers."""

from __future__ import annotations

import pytest

from nnplayground.labs.base import LabError
from nnplayground.labs.gradient_check import MODELS, TOLERANCE, run


@pytest.mark.parametrize("model", list(MODELS))
def test_backprop_agrees_with_numerical_gradients(model: str) -> None:
    r = run(model)
    names = [p["name"] for p in r["params"]]
    assert "input" in names and len(names) >= 3
    assert r["all_ok"], r["params"]
    assert all(p["relative_error"] < TOLERANCE for p in r["params"])


def test_unknown_model() -> None:
    with pytest.raises(LabError) as err:
        run("resnet")
    assert err.value.field == "model"
