"""MNIST-style preprocessing: crop, scale into 20x20 keeping the aspect ratio, centre by mass."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine import Sequential
from nnplayground.engine.data import load_mnist
from nnplayground.server.services.preprocess import (
    center_of_mass,
    resize_area,
    rgba_to_ink,
    to_mnist,
)


def test_area_resize_keeps_mean_and_box_averages() -> None:
    img = np.arange(16, dtype=np.float32).reshape(4, 4)
    half = resize_area(img, 2, 2)
    assert np.allclose(half, [[2.5, 4.5], [10.5, 12.5]])  # each cell = mean of a 2x2 block
    up = resize_area(img, 8, 8)
    assert np.isclose(up.mean(), img.mean()) and np.allclose(up[::2, ::2], img)
    odd = resize_area(np.ones((7, 3)), 20, 9)
    assert np.allclose(odd, 1.0)


def test_shifted_scaled_digit_is_centred() -> None:
    canvas = np.zeros((200, 300), np.float32)
    canvas[10:90, 230:260] = 1.0  # a tall bar far in the top-right corner
    out = to_mnist(canvas)
    assert out.shape == (28, 28)
    rows, cols = np.nonzero(out > 0.05)
    assert rows.max() - rows.min() + 1 == 20  # the longest side is 20 pixels
    assert 7 <= cols.max() - cols.min() + 1 <= 9  # 30/80 of 20, aspect kept
    cy, cx = center_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_blank_and_ink_conversion() -> None:
    assert not to_mnist(np.zeros((50, 50))).any()
    rgba = np.full((10, 10, 4), 255, np.uint8)  # opaque white canvas, black stroke
    rgba[3:7, 4:6, :3] = 0
    ink = rgba_to_ink(rgba)
    assert ink[5, 5] == pytest.approx(1.0) and ink[0, 0] == pytest.approx(0.0)
    clear = np.zeros((10, 10, 4), np.uint8)  # transparent canvas: ink is the alpha
    clear[2:8, 5, 3] = 200
    assert rgba_to_ink(clear)[4, 5] == pytest.approx(200 / 255)


def test_mnist_images_roundtrip_and_keep_their_class() -> None:
    (x, y), (xt, yt) = load_mnist(flatten=True)
    model = Sequential.from_config({"input_shape": [784], "layers": [
        {"type": "dense", "units": 64}, {"type": "relu"}, {"type": "dense", "units": 10}]},
        rng=np.random.default_rng(0))
    model.compile(optimizer={"name": "adam", "lr": 0.002})
    model.fit(x[:3000], y[:3000], epochs=2, batch_size=50)
    images = xt[:40].reshape(-1, 28, 28)
    redone = np.stack([to_mnist(img) for img in images])
    # MNIST is already in this form, so preprocessing must nearly give it back.
    err = np.abs(redone - images).mean(axis=(1, 2))
    assert np.median(err) < 0.03
    before = model.predict(images.reshape(-1, 784)).argmax(1)
    after = model.predict(redone.reshape(-1, 784)).argmax(1)
    assert np.mean(before == after) >= 0.9
