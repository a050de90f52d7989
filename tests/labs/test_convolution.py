"""im2col and pooling (the book §7.3-7.4) on a known 4×4 image, and the SimpleConvNet
filters lab (§7.6) on a tiny run."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.labs.base import Hooks, LabError
from nnplayground.labs.convolution import filters, im2col

# The image 0..15 row by row; 2×2 filter, stride 1, no padding: 3×3 outputs, and each
# column is one patch, read row by row (the book's im2col: the same patches as rows).
COLUMNS = [[0, 1, 2, 4, 5, 6, 8, 9, 10],
           [1, 2, 3, 5, 6, 7, 9, 10, 11],
           [4, 5, 6, 8, 9, 10, 12, 13, 14],
           [5, 6, 7, 9, 10, 11, 13, 14, 15]]


def test_im2col_of_a_known_image() -> None:
    r = im2col()
    assert r["out_shape"] == [3, 3]
    assert r["columns"] == COLUMNS
    assert r["book_rows"][0] == [0, 1, 4, 5] and r["book_rows"][8] == [10, 11, 14, 15]
    assert r["patches"][4] == {"column": 4, "out": [1, 1], "top_left": [1, 1]}


def test_stride_and_padding() -> None:
    r = im2col(filter_size=3, stride=2, pad=1)
    assert r["out_shape"] == [2, 2]
    # first patch: rows −1..1, cols −1..1 of the image, zeros outside
    assert [row[0] for row in r["columns"]] == [0, 0, 0, 0, 0, 1, 0, 4, 5]


def test_max_pooling() -> None:
    assert im2col()["pooling"]["output"] == [[5, 7], [13, 15]]


def test_filter_larger_than_image() -> None:
    with pytest.raises(LabError) as err:
        im2col(image=[[1, 2], [3, 4]], filter_size=3)
    assert err.value.field == "filter_size"


def test_filters_change_with_training_and_stream() -> None:
    msgs: list[dict] = []
    r = filters(iterations=20, train_size=500, test_size=100, report_every=10,
                hooks=Hooks(report=msgs.append))
    before, after = np.array(r["before"]), np.array(r["after"])
    assert before.shape == after.shape == (30, 5, 5)
    assert before.std() == pytest.approx(0.01, rel=0.2)  # the book's init, N(0, 0.01²)
    assert np.abs(after - before).max() > 1e-3
    assert [m["iteration"] for m in msgs] == [0, 10, 20]
    assert np.array(r["digit"]["maps"]).shape == (30, 24, 24)
