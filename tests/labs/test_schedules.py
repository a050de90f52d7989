"""Learning-rate schedules: the multipliers follow their formulas, and every network trains
on the same batches from the same start."""

from __future__ import annotations

import math

import pytest

from nnplayground.labs.base import Hooks
from nnplayground.labs.schedules import run, schedules


def test_schedule_formulas() -> None:
    s = schedules(100, warmup=0.1)
    assert [s["constant"](i) for i in (0, 99)] == [1.0, 1.0]
    assert [s["step"](i) for i in (49, 50, 74, 75)] == pytest.approx([1, 0.1, 0.1, 0.01])
    assert s["cosine"](0) == 1.0 and s["cosine"](50) == pytest.approx(0.5)
    assert s["warmup_cosine"](0) == pytest.approx(0.1) and s["warmup_cosine"](9) == 1.0
    assert s["warmup_cosine"](10) == 1.0
    assert s["warmup_cosine"](55) == pytest.approx(0.5 * (1 + math.cos(math.pi * 45 / 90)))


def test_all_schedules_train_and_stream() -> None:
    msgs: list[dict] = []
    r = run(iterations=40, train_size=500, test_size=200, report_every=20,
            hooks=Hooks(report=msgs.append))
    assert [m["iteration"] for m in msgs] == [20, 40]
    assert msgs[-1]["lr"]["step"] == pytest.approx(0.1 * 0.01)
    first = {n: v[0] for n, v in r["smoothed"].items()}
    assert len(set(first.values())) <= 2  # step 1: the same weights, batch and lr (warm-up aside)
    assert all(0.1 < a <= 1 for a in r["test_accuracy"].values())
