"""Perceptrons (the book ch. 2): gate truth tables, XOR needs two layers; an MLP learns XOR."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnplayground.labs.base import Hooks, LabError
from nnplayground.labs.perceptron import GATES, TRUTH, gate, train_toy, xor_two_layers


@pytest.mark.parametrize("name", ["and", "nand", "or"])
def test_book_gates_have_their_truth_tables(name: str) -> None:
    r = gate(*GATES[name])
    assert r["outputs"] == TRUTH[name]
    assert name in r["matches"]


def test_other_weights_give_the_same_gate() -> None:
    assert gate(1.0, 1.0, -1.5)["matches"] == ["and"]  # any line between the points works
    assert gate(1.0, 1.0, -0.5)["matches"] == ["or"]


def test_no_single_perceptron_computes_xor() -> None:
    # A coarse search over weights and biases; XOR is never among the matches (it is not
    # linearly separable) while AND, NAND and OR all show up.
    seen: set[str] = set()
    values = [-1.0, -0.6, -0.2, 0.2, 0.6, 1.0]
    for w1, w2, b in itertools.product(values, values, values):
        seen.update(gate(w1, w2, b)["matches"])
    assert {"and", "nand", "or"} <= seen
    assert "xor" not in seen


def test_xor_with_two_layers() -> None:
    r = xor_two_layers()
    assert r["s1_nand"] == TRUTH["nand"] and r["s2_or"] == TRUTH["or"]
    assert r["outputs"] == TRUTH["xor"]


def test_mlp_learns_xor_and_streams_the_boundary() -> None:
    msgs: list[dict] = []
    r = train_toy("xor", hidden=[8, 8], epochs=60, n=200, grid=20, every=20,
                  hooks=Hooks(report=msgs.append))
    assert r["accuracy"] > 0.9
    grids = [m for m in msgs if "z" in m]
    assert [m["epoch"] for m in grids] == [20, 40, 60]
    z = np.array(grids[-1]["z"])
    assert z.shape == (20, 20) and z.min() >= 0 and z.max() <= 1
    # XOR: class 1 in quadrants I and III, so the corners disagree pairwise
    assert z[-1, -1] > 0.5 and z[0, 0] > 0.5 and z[0, -1] < 0.5 and z[-1, 0] < 0.5


@pytest.mark.parametrize("kwargs, field", [({"dataset": "moons"}, "dataset"),
                                           ({"hidden": [0]}, "hidden.0"),
                                           ({"optimizer": "lbfgs"}, "optimizer")])
def test_bad_parameters(kwargs: dict, field: str) -> None:
    with pytest.raises(LabError) as err:
        train_toy(**kwargs)
    assert err.value.field == field
