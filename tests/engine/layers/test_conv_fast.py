"""Conv2D's fast path (conv_fast.py) against its reference path (conv.py), and the
gradient check on the fast path itself.  Thresholds are lowered so that small shapes take
the fast path in several chunks, a short last chunk included."""

import numpy as np
import pytest

from nnplayground.engine import parallel
from nnplayground.engine.gradcheck import check_gradients
from nnplayground.engine.layers import Conv2D, Flatten, conv_fast

from . import assert_grads_ok, build


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(conv_fast, "MIN_WORK", 0)
    monkeypatch.setattr(conv_fast, "CHUNK_BYTES", 3000)  # a few images a chunk
    with parallel.only_paths("fast"):
        yield


def run(conv, x, grad):
    y = conv.forward(x, True)
    dx = conv.backward(grad)
    return y.copy(), None if dx is None else dx.copy(), conv.W.grad.copy(), conv.b.grad.copy()


# (channels, filters, size, kernel, stride, padding, batch): the book's shapes, then odd ones
SHAPES = [
    (1, 30, 12, 5, 1, 0, 7),   # SimpleConvNet's first layer (no input gradient below)
    (4, 4, 10, 3, 1, 1, 9),    # DeepConvNet's 3x3 pad 1: full-convolution input gradient
    (3, 8, 9, 3, 1, 2, 5),     # pad 2 (DeepConvNet's 4th conv)
    (2, 7, 11, 3, 2, 1, 6),    # stride 2: col2im input gradient
    (3, 9, 8, (3, 2), 1, 1, 4),  # filters > 2 * channels, non-square kernel
    (2, 3, 7, 2, 3, 0, 3),     # stride larger than the kernel
    (2, 3, 5, 5, 1, 0, 3),     # one output pixel: all of a strip row is its window
    (3, 2, 6, (1, 3), 1, 0, 4),  # strip forward and dW, col2im dx
    (1, 2, 4, 3, 1, 1, 7),     # filters = 2 * channels: dx in its own chunks (2, not 5)
]


@pytest.mark.parametrize("c,f,size,kernel,stride,padding,n", SHAPES)
@pytest.mark.parametrize("input_grad", [True, False])
def test_fast_path_agrees_with_reference(small_chunks, c, f, size, kernel, stride, padding, n,
                                         input_grad):
    rng = np.random.default_rng(size * n + f)
    (conv,) = build([Conv2D(f, kernel, stride, padding)], (c, size, size), dtype=np.float32)
    conv.b.value[:] = rng.standard_normal(f)
    conv.needs_input_grad = input_grad
    x = rng.standard_normal((n, c, size, size)).astype(np.float32)
    grad = rng.standard_normal((n, *conv.output_shape)).astype(np.float32)
    fast = run(conv, x, grad)
    assert conv.fast_input is None  # backward consumed what the fast forward kept
    with parallel.only_paths("reference"):
        ref = run(conv, x, grad)
    assert (fast[1] is None) == (not input_grad)
    for got, want in zip(fast, ref, strict=True):
        if want is None:
            continue
        scale = np.abs(want).max()
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * scale)


def test_fast_path_really_ran(small_chunks, monkeypatch):
    calls = []
    real = conv_fast.forward
    monkeypatch.setattr(conv_fast, "forward", lambda *a: calls.append(1) or real(*a))
    (conv,) = build([Conv2D(2, 3)], (1, 6, 6))
    conv.forward(np.ones((4, 1, 6, 6)), True)
    with parallel.only_paths("reference"):
        conv.forward(np.ones((4, 1, 6, 6)), True)
    assert calls == [1]
    conv.forward(np.ones((1, 1, 6, 6)), False)  # one image (the draw pad): the probe
    assert conv.probe.x_shape == (1, 1, 6, 6)


@pytest.mark.parametrize("kernel,stride,padding", [(3, 1, 1), (3, 2, 1), ((3, 2), 1, 2)])
def test_fast_path_gradients(small_chunks, kernel, stride, padding):
    rng = np.random.default_rng(5)
    layers = build([Conv2D(3, kernel, stride, padding), Flatten()], (2, 6, 5))
    errors = check_gradients(
        layers, rng.standard_normal((5, 2, 6, 5)), rng.integers(0, 4, 5), "mse"
    )
    assert_grads_ok(errors)
    assert set(errors) == {"layer 0 (conv2d).W", "layer 0 (conv2d).b", "input"}


def test_inference_does_not_disturb_training_state(small_chunks):
    """An inference pass between forward and backward (the page's probes do this) must not
    replace the input the fast backward reads."""
    rng = np.random.default_rng(6)
    (conv,) = build([Conv2D(3, 3, 1, 1)], (2, 6, 6), dtype=np.float32)
    conv.needs_input_grad = True
    x = rng.standard_normal((4, 2, 6, 6)).astype(np.float32)
    grad = rng.standard_normal((4, 3, 6, 6)).astype(np.float32)
    conv.forward(x, True)
    conv.forward(rng.standard_normal((6, 2, 6, 6)).astype(np.float32), False)
    dx = conv.backward(grad)
    with parallel.only_paths("reference"):
        conv.forward(x, True)
        want = conv.backward(grad)
    np.testing.assert_allclose(dx, want, rtol=1e-5, atol=1e-6)


def test_small_inference_batches_reuse_scratch_and_stay_correct_across_threads():
    """Single images reuse the layer's probe scratch (no fresh columns per call); callers on
    other threads at the same moment get fresh arrays, never each other's columns."""
    import threading

    rng = np.random.default_rng(3)
    # Big enough that the threads' copies and GEMMs overlap (without the lock, shared
    # columns failed this 4 times in 4)
    (conv,) = build([Conv2D(16, 3, padding=1)], (16, 24, 24), dtype=np.float32)
    images = [rng.standard_normal((1, 16, 24, 24)).astype(np.float32) for _ in range(8)]
    with parallel.only_paths("reference"):
        want = [conv.forward(im, False).copy() for im in images]
    with parallel.only_paths("fast"):
        conv.forward(images[0], False)
        assert conv.probe.x_shape == images[0].shape, "a single image took fresh arrays"
        wrong: list[tuple[int, int]] = []
        done: list[int] = []

        def predict(t: int) -> None:
            for _ in range(30):
                for i, im in enumerate(images):
                    if not np.allclose(conv.forward(im, False), want[i], rtol=1e-5, atol=1e-5):
                        wrong.append((t, i))
            done.append(t)

        threads = [threading.Thread(target=predict, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
    assert sorted(done) == [0, 1, 2, 3]
    assert not wrong, f"{len(wrong)} of {4 * 30 * len(images)} predictions were wrong"


@pytest.mark.parametrize("channels,filters,size,padding", [(16, 16, 28, 1), (32, 64, 7, 1),
                                                           (64, 64, 9, 2), (2, 3, 5, 0),
                                                           (1, 16, 28, 1)])
def test_probe_matches_the_reference_path_and_follows_new_weights(channels, filters, size,
                                                                  padding):
    """The draw pad's path (a ConvStep: buffers built once per shape) against the reference,
    for one image and for a few, and again after the weights' arrays are replaced."""
    rng = np.random.default_rng(11)
    (conv,) = build([Conv2D(filters, 3, padding=padding)], (channels, size, size),
                    dtype=np.float32)
    conv.b.value[:] = rng.standard_normal(filters)
    assert conv_fast.uses_strips(conv, channels) == (channels * 9 >= 2 * filters)
    for batch in (1, 3, 1):
        x = rng.standard_normal((batch, channels, size, size)).astype(np.float32)
        for _ in range(2):
            if _ == 1:  # loading weights gives new arrays: the probe must read them
                conv.W.value = rng.standard_normal(conv.W.shape).astype(np.float32)
                conv.b.value = rng.standard_normal(filters).astype(np.float32)
            with parallel.only_paths("fast"):
                got = conv.forward(x, False).copy()
            with parallel.only_paths("reference"):
                want = conv.forward(x, False)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * np.abs(want).max())
