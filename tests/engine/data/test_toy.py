"""Toy 2-D sets: shapes, balance, determinism per seed, and each set's geometry at noise 0."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine.data import TOY_DATASETS, make_toy
from nnplayground.engine.data.toy import LINEAR_MARGIN, LINEAR_NORMAL


def test_the_five_sets_exist() -> None:
    assert set(TOY_DATASETS) == {"xor", "circle", "gaussians", "spiral", "linear"}


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_shapes_dtypes_and_balance(name: str) -> None:
    x, y = make_toy(name, n=201, noise=0.1, seed=3)
    assert x.shape == (201, 2) and x.dtype == np.float32
    assert y.shape == (201,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 101]
    assert np.isfinite(x).all()
    assert np.abs(x).max() < 2.0  # stays in the plotted square, give or take the noise
    # shuffled: the labels are not sorted into two blocks
    assert np.count_nonzero(np.diff(y)) > 10


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    x1, y1 = make_toy(name, n=50, noise=0.2, seed=7)
    x2, y2 = make_toy(name, n=50, noise=0.2, seed=7)
    x3, _ = make_toy(name, n=50, noise=0.2, seed=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_noise_moves_points() -> None:
    clean, _ = make_toy("gaussians", n=100, noise=0.0, seed=0)
    noisy, _ = make_toy("gaussians", n=100, noise=0.5, seed=0)
    assert noisy.std() > clean.std()


def test_xor_labels_follow_quadrant_sign() -> None:
    x, y = make_toy("xor", n=400, noise=0.0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(np.int64))


def test_circle_is_a_disc_inside_a_ring() -> None:
    x, y = make_toy("circle", n=400, noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert r[y == 0].max() <= 0.5 + 1e-6
    assert r[y == 1].min() >= 0.7 - 1e-6


def test_linear_is_separated_by_its_line_with_margin() -> None:
    x, y = make_toy("linear", n=400, noise=0.0)
    side = x @ LINEAR_NORMAL.astype(np.float32)
    assert side[y == 1].min() >= LINEAR_MARGIN - 1e-6
    assert side[y == 0].max() <= -LINEAR_MARGIN + 1e-6


def test_spiral_points_lie_on_their_arm() -> None:
    # At noise 0 a point at radius r of arm k has angle 3*pi*r + k*pi (mod 2*pi).
    x, y = make_toy("spiral", n=400, noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1]).astype(np.float64)
    angle = np.arctan2(x[:, 1], x[:, 0]).astype(np.float64)
    expected = 3 * np.pi * r + np.pi * y
    wrapped = np.angle(np.exp(1j * (angle - expected)))
    assert np.abs(wrapped).max() < 1e-4
    assert r.max() <= 1.0 + 1e-6


def test_gaussian_blobs_sit_on_either_side() -> None:
    x, y = make_toy("gaussians", n=400, noise=0.0)
    assert (x[y == 1].mean(0) > 0.3).all() and (x[y == 0].mean(0) < -0.3).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "moons"}, "unknown toy dataset 'moons'"),
        ({"name": "xor", "n": 1}, "n must be an integer >= 2, got 1"),
        ({"name": "xor", "n": 10.5}, "got 10.5"),
        ({"name": "xor", "noise": -0.1}, "noise must be a finite number >= 0, got -0.1"),
        ({"name": "xor", "noise": float("nan")}, "got nan"),
        ({"name": "xor", "seed": -1}, "seed must be a non-negative integer, got -1"),
    ],
)
def test_bad_arguments_name_the_value(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_toy(**kwargs)
