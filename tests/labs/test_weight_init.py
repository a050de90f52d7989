"""Initial weights (the book §6.2): std 1 saturates sigmoid, std 0.01 never learns on MNIST."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.labs.base import LabError
from nnplayground.labs.weight_init import compare, histograms


@pytest.fixture(scope="module")
def hist() -> dict:
    return histograms()


def panel(hist: dict, init: str, act: str) -> list[dict]:
    return next(p["layers"] for p in hist["panels"] if p["init"] == init and p["activation"] == act)


def test_book_setup_shapes(hist: dict) -> None:
    assert len(hist["panels"]) == 12  # 4 inits × 3 activations
    for p in hist["panels"]:
        assert len(p["layers"]) == 5
        for layer in p["layers"]:
            assert len(layer["counts"]) == 30
    # every activation value of every layer is counted: 1,000 samples × 100 units
    assert sum(panel(hist, "xavier", "sigmoid")[0]["counts"]) == 100_000


def test_std1_sigmoid_piles_up_at_0_and_1(hist: dict) -> None:
    for layer in panel(hist, "std1", "sigmoid"):
        c = np.array(layer["counts"])
        outer = c[:3].sum() + c[-3:].sum()
        assert outer > 0.6 * c.sum()  # most mass in the outer bins: vanishing gradients


def test_std001_sigmoid_crowds_the_middle_and_xavier_spreads(hist: dict) -> None:
    for layer in panel(hist, "std0.01", "sigmoid"):
        c = np.array(layer["counts"])
        assert c[13:17].sum() > 0.99 * c.sum()  # all near 0.5: no expressive power
    last = np.array(panel(hist, "xavier", "sigmoid")[-1]["counts"])
    assert (last > 0).sum() >= 10  # Xavier keeps a real spread in layer 5


def test_he_keeps_relu_activations_alive_and_std001_shrinks_them(hist: dict) -> None:
    he = panel(hist, "he", "relu")
    small = panel(hist, "std0.01", "relu")
    assert he[-1]["std"] > 0.3 * he[0]["std"]  # He: scale preserved layer to layer
    assert small[-1]["std"] < 1e-4 * small[0]["std"] + 1e-6  # std 0.01: activations vanish


def test_mnist_std001_stays_at_230_while_he_learns() -> None:
    # weight_init_compare.py on 5,000 images: 400 iterations of batch 128.
    r = compare(iterations=400, train_size=5000, inits=["std0.01", "he"])
    assert r["final_loss"]["std0.01"] >= 2.29
    assert r["final_loss"]["he"] < 0.5


def test_bad_init_names_the_field() -> None:
    with pytest.raises(LabError) as err:
        histograms(inits=["glorot"])
    assert err.value.field == "inits.0"


def test_relu_histograms_leave_out_values_above_1_and_count_zeros() -> None:
    # The book: plt.hist(a.flatten(), 30, range=(0, 1)) drops values outside the range.
    r = histograms(inits=["std1"], activations=["relu"], layers=2)
    for layer in r["panels"][0]["layers"]:
        counted = sum(layer["counts"]) / 100_000
        assert 0.4 < layer["zeros"] < 0.6  # about half of ReLU's outputs are exactly 0
        assert counted + layer["zeros"] + layer["outside"] == pytest.approx(1.0)
        assert layer["outside"] > 0.4  # std 1: most non-zero values are far above 1 ...
        assert layer["counts"][-1] < 0.01 * 100_000  # ... and no longer piled in the last bin


def test_he_relu_spreads_evenly_across_layers(hist: dict) -> None:
    he = [sum(layer["counts"]) for layer in panel(hist, "he", "relu")]
    assert max(he) < 1.5 * min(he)  # the book's figure 6-14: the same spread in every layer
