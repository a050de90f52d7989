"""Figure 8-3 (the book §8.1.1): the shipped DeepConvNet's mistakes against a forward pass
written here from the weight arrays alone (plain NumPy convolution, no engine code), and the
float16 accuracy of §8.3.4."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from nnplayground.labs.base import Hooks
from nnplayground.labs.common import mnist_subset
from nnplayground.labs.misclassified import BOOK_ACCURACY, WEIGHTS, run

# The book's DeepConvNet: (padding of each 3×3 convolution), a 2×2 max-pool after each pair.
PADS = [1, 1, 1, 2, 1, 1]


def conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int) -> np.ndarray:
    """(N, C, H, W) * (F, C, 3, 3), stride 1: every window times every filter."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (3, 3), axis=(2, 3))  # (N, C, H', W', 3, 3)
    n, c, hh, ww = win.shape[:4]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n, hh, ww, c * 9)  # (c, i, j) order, as w
    return (cols @ w.reshape(len(w), -1).T + b).transpose(0, 3, 1, 2)


def pool(x: np.ndarray) -> np.ndarray:
    n, c, hh, ww = x.shape
    return x.reshape(n, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))


def forward(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """Scores of the book's DeepConvNet at test time (dropout passes values through)."""
    a = x.reshape(-1, 1, 28, 28).astype(np.float64)
    for k, pad in enumerate(PADS):
        a = np.maximum(conv(a, weights[2 * k], weights[2 * k + 1], pad), 0)
        if k % 2 == 1:
            a = pool(a)
    a = np.maximum(a.reshape(len(a), -1) @ weights[12] + weights[13], 0)
    return a @ weights[14] + weights[15]


@pytest.fixture(scope="module")
def arrays() -> list[np.ndarray]:
    with np.load(WEIGHTS, allow_pickle=False) as f:
        keys = sorted((k for k in f.files if k.startswith("arr_")), key=lambda k: int(k[4:]))
        return [f[k] for k in keys] if keys else None


def test_the_mistakes_are_those_of_the_network_computed_by_hand(arrays) -> None:
    from nnplayground.labs.misclassified import trained_network

    weights = arrays or trained_network().get_weights()
    assert [w.shape for w in weights[:2]] == [(16, 1, 3, 3), (16,)]
    n = 1000
    _, _, x, y = mnist_subset(0, n)
    reports: list[dict] = []
    out = run(test_size=n, float16=True, hooks=Hooks(report=reports.append))
    pred = forward(weights, x).argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    got = [m for r in reports for m in r["new"]]
    assert [m["index"] for m in got] == wrong.tolist()
    assert [m["pred"] for m in got] == pred[wrong].tolist()
    assert [m["label"] for m in got] == y[wrong].tolist()
    assert out["accuracy"] == pytest.approx(np.mean(pred == y))
    assert out["misclassified"] == len(wrong) and np.sum(out["by_pair"]) == len(wrong)
    assert [r["done"] for r in reports] == [500, 1000]  # the figure grows 500 images at a time
    assert np.array(got[0]["image"]).shape == (28, 28)
    # float16 (§8.3.4): the same forward pass with every parameter rounded to float16.
    half = [w.astype(np.float16).astype(np.float64) for w in weights]
    assert out["float16_accuracy"] == pytest.approx(np.mean(forward(half, x).argmax(1) == y))
    assert abs(out["float16_accuracy"] - out["accuracy"]) <= 0.002  # the book: no change


def test_the_shipped_network_reaches_the_books_accuracy_on_all_10000() -> None:
    out = run(test_size=10000, float16=False)
    assert out["book_accuracy"] == BOOK_ACCURACY
    assert out["accuracy"] >= 0.993, out["accuracy"]  # the book: 99.38 %
    assert "float16_accuracy" not in out


def test_a_stopped_run_reports_what_it_read() -> None:
    calls = iter([False, True])
    out = run(test_size=2000, float16=True, hooks=Hooks(stopped=lambda: next(calls, True)))
    assert out["test_size"] == 500 and "float16_accuracy" not in out
