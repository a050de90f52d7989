"""Optimizers on MNIST (the book §6.1.8): the momentum/adaptive methods beat plain SGD."""

from __future__ import annotations

import pytest

from nnplayground.labs.base import Hooks, LabError
from nnplayground.labs.optimizers_mnist import BOOK_LRS, run


def test_book_rates() -> None:
    assert BOOK_LRS == {"sgd": 0.01, "momentum": 0.01, "adagrad": 0.01, "adam": 0.001}


def test_sgd_is_the_slowest_and_progress_streams() -> None:
    msgs: list[dict] = []
    r = run(iterations=60, train_size=1000, hooks=Hooks(report=msgs.append))
    losses = [m for m in msgs if "loss" in m]
    assert [m["iteration"] for m in losses] == [10, 20, 30, 40, 50, 60]
    final = r["final_loss"]
    for name in ("momentum", "adagrad", "adam"):
        assert final[name] < final["sgd"], final


def test_stop_is_honoured() -> None:
    seen: list[dict] = []
    hooks = Hooks(report=seen.append, stopped=lambda: len(seen) >= 3)
    r = run(iterations=1000, train_size=1000, lrs={"sgd": 0.01}, hooks=hooks)
    assert r["iterations"] == 20  # phase message + two progress messages of 10 steps


def test_bad_rate() -> None:
    with pytest.raises(LabError) as err:
        run(lrs={"sgd": 0})
    assert err.value.field == "lrs.sgd"
