"""im2col.py's memory-order helpers: a layer's buffers follow its input's axis order."""

import numpy as np
import pytest

from nnplayground.engine.im2col import empty_in_order, in_order, memory_order, pad_images

ORDERS = [(0, 1, 2, 3), (1, 0, 2, 3), (2, 3, 0, 1)]  # N-major, channel-major, pixel-major


@pytest.mark.parametrize("order", ORDERS)
def test_an_array_made_in_an_order_reports_it(order):
    a = empty_in_order((2, 3, 4, 5), order, np.float32)
    assert a.shape == (2, 3, 4, 5)
    assert memory_order(a) == order
    assert a.transpose(order).flags.c_contiguous


@pytest.mark.parametrize("order", ORDERS)
def test_in_order_copies_only_when_needed(order):
    a = np.arange(120.0).reshape(2, 3, 4, 5)
    b = in_order(a, order)
    np.testing.assert_array_equal(b, a)
    assert memory_order(b) == order
    assert in_order(b, order) is b
    assert np.shares_memory(b, a) == (order == (0, 1, 2, 3))


def test_an_array_with_gaps_reports_its_own_axis_order():
    a = np.zeros((4, 6, 5))[:, ::2]
    assert memory_order(a) == (0, 1, 2)
    assert memory_order(np.zeros((3, 4)).T) == (1, 0)


@pytest.mark.parametrize("order", ORDERS)
def test_padding_keeps_the_order_and_the_values(order):
    x = in_order(np.random.default_rng(0).standard_normal((2, 3, 4, 5)), order)
    padded = pad_images(x, 2, -1.0)
    assert memory_order(padded) == order
    assert padded.shape == (2, 3, 8, 9)
    np.testing.assert_array_equal(padded[:, :, 2:6, 2:7], x)
    assert (padded[:, :, :2] == -1).all() and (padded[:, :, :, -2:] == -1).all()
