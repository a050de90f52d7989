"""Activation functions and inference of the book's ch. 3, against the formulas and the
book's printed numbers (softmax of [0.3, 2.9, 4.0] is [0.01821127, 0.24519181, 0.73659691])."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.labs.activations import WEIGHTS, functions, inference


def test_curves_follow_the_formulas() -> None:
    r = functions()
    x = np.array(r["x"])
    np.testing.assert_allclose(r["curves"]["sigmoid"], 1 / (1 + np.exp(-x)), atol=1e-5)
    np.testing.assert_allclose(r["curves"]["relu"], np.maximum(x, 0), atol=1e-5)
    np.testing.assert_array_equal(r["curves"]["step"], (x > 0).astype(float))


def test_softmax_of_the_books_example_and_its_overflow_case() -> None:
    s = functions()["softmax"]
    np.testing.assert_allclose(s["outputs"], [0.01821, 0.24519, 0.7366], atol=1e-5)
    assert s["sum"] == pytest.approx(1.0)
    big = functions(logits=[1010, 1000, 990])["softmax"]  # naive exp() overflows here
    np.testing.assert_allclose(big["outputs"], [0.99995, 4.54e-05, 0.0], atol=1e-5)


def test_shipped_weights_are_the_books_network_and_near_its_accuracy() -> None:
    assert WEIGHTS.exists()
    r = inference(test_size=2000, one_by_one=200)
    assert [w["shape"] for w in r["weights"]] == [[784, 50], [50], [50, 100], [100],
                                                  [100, 10], [10]]
    assert abs(r["accuracy"] - r["book_accuracy"]) < 0.03  # book 0.9352 on all 10,000
    assert abs(r["float16_accuracy"] - r["accuracy"]) < 0.005  # §8.3.4: nearly identical
    # the two timings are reported, never asserted (speed belongs in benchmarks/)
    assert r["ms_per_image"]["batch"] > 0 and r["ms_per_image"]["one_by_one"] > 0
    assert r["one_by_one_images"] == 200
