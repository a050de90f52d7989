import warnings

import numpy as np
import pytest

from nnplayground.engine.gradcheck import numerical_gradient, relative_error
from nnplayground.engine.losses import LOSSES

# The book's example (ch. 4.2): the network says "2" with probability 0.6.
BOOK_Y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
BOOK_T = np.eye(10)[2]


def loss_gradient_error(name, output, y):
    loss = LOSSES.create(name)
    loss.forward(output, y)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(output, y), output)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "mse"])
@pytest.mark.parametrize("labels", ["ids", "onehot"])
def test_loss_gradients(name, labels):
    rng = np.random.default_rng(13)
    output = rng.standard_normal((5, 4)) * 3
    ids = rng.integers(0, 4, 5)
    y = ids if labels == "ids" else np.eye(4)[ids]
    assert loss_gradient_error(name, output, y) < 1e-6


@pytest.mark.parametrize("shape", [(6, 1), (6, 3)])
def test_sigmoid_bce_gradients(shape):
    rng = np.random.default_rng(14)
    output = rng.standard_normal(shape) * 3
    y = rng.integers(0, 2, shape).astype(float)
    assert loss_gradient_error("sigmoid_bce", output, y) < 1e-6
    if shape[1] == 1:
        assert loss_gradient_error("sigmoid_bce", output, y[:, 0]) < 1e-6


def test_mse_uses_the_books_half_sum_convention():
    loss = LOSSES.create("mse")
    value = loss.forward(BOOK_Y[None], BOOK_T[None])
    assert value == pytest.approx(0.0975)  # book: mean_squared_error(y, t) = 0.0975
    np.testing.assert_allclose(loss.backward(), (BOOK_Y - BOOK_T)[None])
    # Averaged over the batch, so two copies give the same value.
    assert loss.forward(np.stack([BOOK_Y] * 2), [2, 2]) == pytest.approx(0.0975)


def test_cross_entropy_matches_the_book():
    # Logits log(p) make softmax return p, so the loss is -log(0.6) = 0.5108 (book ch. 4.2).
    probs = BOOK_Y + 1e-9
    probs /= probs.sum()
    loss = LOSSES.create("softmax_cross_entropy")
    assert loss.forward(np.log(probs)[None], [2]) == pytest.approx(0.510825, abs=1e-5)
    np.testing.assert_allclose(loss.output_activation(np.log(probs)[None])[0], probs)


def test_ids_and_onehot_agree():
    rng = np.random.default_rng(15)
    output = rng.standard_normal((4, 3))
    ids = np.array([0, 2, 1, 2])
    for name in ["softmax_cross_entropy", "mse"]:
        a, b = LOSSES.create(name), LOSSES.create(name)
        assert a.forward(output, ids) == pytest.approx(b.forward(output, np.eye(3)[ids]))
        np.testing.assert_allclose(a.backward(), b.backward())


def test_stable_for_huge_logits():
    output = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce = LOSSES.create("softmax_cross_entropy")
        assert ce.forward(output, [0, 0]) == pytest.approx(1000.0)
        bce = LOSSES.create("sigmoid_bce")
        assert bce.forward(output, np.array([[1, 0], [1, 0]])) == pytest.approx(1000.0)
        assert np.isfinite(ce.backward()).all() and np.isfinite(bce.backward()).all()


@pytest.mark.parametrize("classes", [3, 40])  # both ways of taking each row's maximum
def test_each_row_is_shifted_by_its_own_maximum(classes: int):
    # Rows 3000 apart: one shift for the whole batch would underflow the low row to log(0).
    output = np.full((2, classes), -1.0, np.float32)
    output[0, 0] = 0.0
    output[1] -= 3000.0
    output[1, 1] = -3000.0
    ce = LOSSES.create("softmax_cross_entropy")
    rest = np.log1p((classes - 1) * np.exp(np.float64(-1.0)))  # picked logit 1 above the rest
    assert ce.forward(output, [0, 1]) == pytest.approx(rest, rel=1e-5)
    np.testing.assert_allclose(ce.backward().sum(axis=1), 0, atol=1e-6)


def test_output_activation_and_dtypes():
    output = np.array([[0.0, np.log(3.0)]], np.float32)
    ce, bce, mse = (LOSSES.create(n) for n in ("softmax_cross_entropy", "sigmoid_bce", "mse"))
    np.testing.assert_allclose(ce.output_activation(output), [[0.25, 0.75]], rtol=1e-6)
    np.testing.assert_allclose(bce.output_activation(output), [[0.5, 0.75]], rtol=1e-6)
    assert mse.output_activation(output) is output
    for loss in (ce, bce, mse):
        assert isinstance(loss.forward(output, np.array([[0, 1]])), float)
        assert loss.backward().dtype == np.float32


@pytest.mark.parametrize(
    "name,y,message",
    [
        ("softmax_cross_entropy", [0, 7], "class id 7 is out of range for 3 outputs"),
        ("softmax_cross_entropy", [0, -1], "class id -1"),
        ("softmax_cross_entropy", [0, 1, 2], "got 3 labels for a batch of 2"),
        ("mse", np.zeros((2, 4)), r"got \(2, 4\)"),
        ("softmax_cross_entropy", [0.5, 1.0], "whole numbers"),
        ("sigmoid_bce", [[2.0], [0.0]], r"numbers in \[0, 1\]"),
        ("sigmoid_bce", [1.0, 0.0, 1.0], r"got \(3,\)"),
    ],
)
def test_bad_labels_are_named(name, y, message):
    output = np.zeros((2, 1 if name == "sigmoid_bce" else 3))
    with pytest.raises(ValueError, match=message):
        LOSSES.create(name).forward(output, np.asarray(y))


def test_unknown_loss():
    with pytest.raises(ValueError, match="'hinge'"):
        LOSSES.create("hinge")
