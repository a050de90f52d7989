"""Random search (the book §6.5) tunes on a validation split of the training data and never
touches the test set: the loader is patched to hand out a poisoned test set."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnplayground.engine.data as data
from nnplayground.labs import hyperparameter_search as search
from nnplayground.labs.base import Hooks, LabError


class Poison:
    """Any use of the test set fails the test."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the search touched the test set ({name})")

    def __getitem__(self, key):
        raise AssertionError("the search indexed the test set")

    def __len__(self) -> int:
        raise AssertionError("the search asked for the test set's length")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the search converted the test set")


@pytest.fixture
def poisoned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rng = np.random.default_rng(0)
    x = rng.random((600, 784), dtype=np.float32)
    y = rng.integers(0, 10, 600)
    calls: list[int] = []

    def fake_load_mnist(*args, **kwargs):
        calls.append(1)
        return (x, y), (Poison(), Poison())

    monkeypatch.setattr(data, "load_mnist", fake_load_mnist)
    return calls


def test_search_never_touches_the_test_set(poisoned: list[int]) -> None:
    msgs: list[dict] = []
    r = search.run(trials=3, epochs=2, train_size=500, hooks=Hooks(report=msgs.append))
    assert poisoned, "the patched loader was not used"
    assert r["validation_size"] == 100 and r["train_size"] == 400  # the book's 20 %
    assert len(r["trials"]) == 3
    assert len([m for m in msgs if "trial" in m]) == 3
    assert [m["running"]["epoch"] for m in msgs if "running" in m] == [0, 0, 0]
    for t in r["trials"]:
        assert 1e-6 <= t["lr"] <= 1e-2 and 1e-8 <= t["weight_decay"] <= 1e-4
        assert 0 <= t["val_acc"] <= 1
    best = r["best"][0]
    assert best["val_acc"] == max(t["val_acc"] for t in r["trials"])
    assert len(best["val_curve"]) == 3  # before training + 2 epochs


def test_ranges_are_log_uniform_over_the_books_exponents(poisoned: list[int]) -> None:
    r = search.run(trials=12, epochs=1, train_size=100, seed=1)
    exps = [math.log10(t["lr"]) for t in r["trials"]]
    assert min(exps) >= -6 and max(exps) <= -2 and max(exps) - min(exps) > 1


def test_stop_ends_between_trials(poisoned: list[int]) -> None:
    done: list[dict] = []
    hooks = Hooks(report=lambda m: done.append(m) if "trial" in m else None,
                  stopped=lambda: len(done) >= 1)
    r = search.run(trials=10, epochs=1, train_size=100, hooks=hooks)
    assert len(r["trials"]) == 1


def test_bad_range() -> None:
    with pytest.raises(LabError) as err:
        search.run(lr_exp=[-2, -6])
    assert err.value.field == "lr_exp"
