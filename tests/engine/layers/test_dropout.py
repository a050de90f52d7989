import numpy as np
import pytest

from nnplayground.engine.core import SpecError
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.layers import Dense, Dropout

from . import assert_grads_ok, build


def test_dropout_gradients_with_replayed_mask():
    rng = np.random.default_rng(11)
    layers = build([Dense(6), Dropout(0.4), Dense(3)], (4,))
    errors = check_gradients(layers, rng.standard_normal((5, 4)), rng.integers(0, 3, 5))
    assert_grads_ok(errors)


def test_inverted_scaling_and_identity_at_inference():
    (drop,) = build([Dropout(0.25)], (1000,), dtype=np.float32)
    x = np.ones((20, 1000), np.float32)
    y = drop.forward(x, True)
    assert y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.01  # 20000 draws: 4 sigma is ~0.012
    np.testing.assert_array_equal(drop.backward(np.ones_like(y)), y)  # same mask backward
    assert drop.forward(x, False) is x


def test_same_seed_same_mask():
    a = build([Dropout(0.5)], (50,), seed=3)[0].forward(np.ones((4, 50)), True)
    b = build([Dropout(0.5)], (50,), seed=3)[0].forward(np.ones((4, 50)), True)
    c = build([Dropout(0.5)], (50,), seed=4)[0].forward(np.ones((4, 50)), True)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("rate", [1.0, -0.1, "0.5"])
def test_bad_rate(rate):
    with pytest.raises(SpecError) as info:
        Dropout(rate)
    assert info.value.field == "rate" and repr(rate) in str(info.value)


def test_book_mode_keeps_units_unscaled_and_scales_at_inference():
    # The book's common/layers.py Dropout: x * mask while training, x * (1 - ratio) after.
    (drop,) = build([Dropout(0.2, mode="book")], (1000,), dtype=np.float32)
    x = np.full((20, 1000), 3.0, np.float32)
    y = drop.forward(x, True)
    kept = y != 0
    np.testing.assert_array_equal(y[kept], 3.0)
    assert abs(kept.mean() - 0.8) < 0.01
    np.testing.assert_array_equal(drop.backward(np.ones_like(y)), kept.astype(np.float32))
    out = drop.forward(x, False)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 3.0 * 0.8, rtol=1e-6)


def test_both_modes_have_the_same_expected_training_output_over_inference_output():
    # inverted: E[train] = x and inference = x; book: E[train] = 0.8 x and inference = 0.8 x.
    x = np.ones((200, 500), np.float32)
    for mode in ("inverted", "book"):
        (drop,) = build([Dropout(0.2, mode=mode)], (500,), seed=1)
        ratio = drop.forward(x, True).mean() / drop.forward(x, False).mean()
        assert abs(ratio - 1.0) < 0.01, mode


def test_book_mode_gradients_and_config():
    rng = np.random.default_rng(5)
    layers = build([Dense(6), Dropout(0.3, mode="book"), Dense(3)], (4,))
    assert_grads_ok(check_gradients(layers, rng.standard_normal((5, 4)), rng.integers(0, 3, 5)))
    assert Dropout(0.3, mode="book").get_config()["mode"] == "book"
    assert "mode" not in Dropout(0.3).get_config()  # old configs stay as they were


def test_bad_mode():
    with pytest.raises(SpecError) as info:
        Dropout(0.5, mode="scaled")
    assert info.value.field == "mode"
