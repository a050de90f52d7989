"""Batch Normalization (the book §6.3): at small weight scales the plain net cannot start
learning while the BN net does."""

from __future__ import annotations

import pytest

from nnplayground.labs.base import Hooks, LabError
from nnplayground.labs.batch_norm import BOOK_SCALES, run


def test_book_scales() -> None:
    assert len(BOOK_SCALES) == 16
    assert BOOK_SCALES[0] == pytest.approx(1.0) and BOOK_SCALES[-1] == pytest.approx(1e-4)


def test_batchnorm_beats_plain_at_small_scales() -> None:
    msgs: list[dict] = []
    # measured: BN takes off after ~5 epochs at these scales (0.90 and 0.78 at epoch 8)
    r = run(epochs=8, scales=[8, 11], hooks=Hooks(report=msgs.append))
    for p in r["panels"]:
        bn, plain = p["train_acc"]["bn"], p["train_acc"]["plain"]
        assert len(bn) == len(plain) == 9  # epoch 0 (before training) + 8 epochs
        assert bn[-1] > plain[-1] + 0.2, p
    assert msgs[-1]["epoch"] == 8 and msgs[-1]["scale_index"] == 11


def test_batchnorm_learns_even_at_the_smallest_scale() -> None:
    # The book's panel W=1e-4: only BN learns.  This needs the book's eps (10e-7): with 1e-5
    # the variance of such tiny pre-activations is swamped and BN stayed at chance (0.117).
    r = run(epochs=8, scales=[15])
    bn, plain = r["panels"][0]["train_acc"]["bn"], r["panels"][0]["train_acc"]["plain"]
    assert bn[-1] > 0.4 and plain[-1] < 0.2, (bn, plain)


def test_bad_scale_index() -> None:
    with pytest.raises(LabError) as err:
        run(scales=[16])
    assert err.value.field == "scales.0"  # the offending item
