"""parallel.py: the ranges, the parts running at once, and the elementwise fallbacks;
ReLU and the pools on their fast paths against their reference paths."""

import threading

import numpy as np
import pytest

from nnplayground.engine import blas, parallel
from nnplayground.engine.layers import AvgPool2D, Dense, MaxPool2D, ReLU


def test_bounds_cover_the_range_evenly():
    assert parallel.bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert parallel.bounds(2, 5) == [(0, 1), (1, 2)]  # never an empty part
    assert parallel.bounds(0, 2) == [(0, 0)]


def test_split_returns_results_in_order_and_uses_other_threads(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    names = []

    def part(i, lo, hi):
        names.append(threading.current_thread().name)
        return i, lo, hi

    assert parallel.split(part, 9) == [(0, 0, 3), (1, 3, 6), (2, 6, 9)]
    assert threading.current_thread().name in names  # the last part ran here
    assert any(name.startswith("nnpg-part") for name in names)


def test_split_holds_blas_to_one_thread():
    seen = []
    blas.reset()
    parallel.split(lambda i, lo, hi: seen.append(blas._current), 4, parts=2)
    if blas._blas_controllers():
        assert seen == [1, 1]
        assert blas._current == 1  # left there for the next fast path
    blas.reset()


def test_split_waits_for_every_part_when_one_fails():
    done = threading.Event()

    def part(i, lo, hi):
        if i == 1:  # the calling thread's part
            raise ValueError("boom")
        threading.Event().wait(0.05)
        done.set()

    with pytest.raises(ValueError, match="boom"):
        parallel.split(part, 2, parts=2)
    assert done.is_set()


def test_elementwise_splits_matching_layouts_and_falls_back_otherwise(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ELEMENTWISE", 0)
    sizes = []

    def double(a, out):
        sizes.append(a.size)
        np.multiply(a, 2, out=out)

    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    channel_major = np.ascontiguousarray(a.transpose(1, 0, 2)).transpose(1, 0, 2)
    for x, out in [(a, np.empty_like(a)), (channel_major, np.empty_like(channel_major))]:
        sizes.clear()
        parallel.elementwise(double, x, out)
        np.testing.assert_array_equal(out, 2 * a)
        assert len(sizes) == parallel.workers()
    sizes.clear()
    out = np.empty_like(a)  # C order while the input is channel-major: one call
    parallel.elementwise(double, channel_major, out)
    np.testing.assert_array_equal(out, 2 * a)
    assert sizes == [24]
    sizes.clear()
    parallel.elementwise(double, a, out, parts=False)
    assert sizes == [24]


def channel_major(x):
    return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)


@pytest.mark.parametrize("layer_type,kwargs,ties", [
    (ReLU, {}, False),
    (MaxPool2D, {"pool_size": 2}, False),
    (MaxPool2D, {"pool_size": 2}, True),  # after a ReLU: many windows tie at zero
    (MaxPool2D, {"pool_size": 3, "stride": 2, "padding": 1}, False),
    (AvgPool2D, {"pool_size": 2}, False),
    (AvgPool2D, {"pool_size": 3, "stride": 1, "padding": 1}, False),
])
@pytest.mark.parametrize("layout", [np.ascontiguousarray, channel_major])
def test_fast_paths_agree_with_reference(monkeypatch, layer_type, kwargs, ties, layout):
    monkeypatch.setattr(parallel, "MIN_ELEMENTWISE", 0)
    rng = np.random.default_rng(7)
    layer = layer_type(**kwargs)
    layer.build((5, 8, 8), rng, np.float32)
    x = rng.standard_normal((6, 5, 8, 8)).astype(np.float32)
    if ties:
        x = np.maximum(x, 0)
    x = layout(x)
    grad = layout(rng.standard_normal((6, *layer.output_shape)).astype(np.float32))
    results = []
    for reference in (False, True):
        with parallel.only_paths("reference" if reference else "fast"):
            y = layer.forward(x, True)
            results.append((y.copy(), layer.backward(grad).copy(), layer.forward(x, False)))
    for got, want in zip(*results, strict=True):
        np.testing.assert_array_equal(got, want)


def test_only_paths_is_checked_and_restored():
    assert parallel.enabled()
    with parallel.only_paths("reference"):
        assert not parallel.enabled()
        with parallel.only_paths("fast"):
            assert parallel.enabled()
        assert not parallel.enabled()
    assert parallel.enabled()
    with pytest.raises(ValueError, match="path must be one of"), parallel.only_paths("turbo"):
        pass


@pytest.mark.parametrize("batch,fan_in,units",
                         [(64, 300, 40), (100, 4320, 100), (3, 5, 2), (64, 1, 40)])
@pytest.mark.parametrize("input_grad", [True, False])
def test_dense_fast_path_agrees_with_reference(monkeypatch, batch, fan_in, units, input_grad):
    monkeypatch.setattr(blas, "SMALL_GEMM", 1000)  # the small case still splits
    rng = np.random.default_rng(8)
    layer = Dense(units)
    layer.build((fan_in,), rng, np.float32)
    layer.b.value[:] = rng.standard_normal(units)
    layer.needs_input_grad = input_grad
    x = rng.standard_normal((batch, fan_in)).astype(np.float32)
    grad = rng.standard_normal((batch, units)).astype(np.float32)
    results = []
    for path in ("fast", "reference"):
        with parallel.only_paths(path):
            y = layer.forward(x, True)
            dx = layer.backward(grad)
            results.append((y, dx, layer.W.grad.copy(), layer.b.grad.copy()))
    for got, want in zip(*results, strict=True):
        if want is None:
            assert got is None
            continue
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_a_forked_child_starts_its_own_workers():
    import os

    parallel.split(lambda i, lo, hi: None, 4, parts=2)  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: exits 0 only if its split finishes
        try:
            parallel.split(lambda i, lo, hi: None, 4, parts=2)
        finally:
            os._exit(0 if parallel._pool is not None else 1)
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # bounded: a child stuck on absent workers is killed
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's split never finished")
    assert os.waitstatus_to_exitcode(status) == 0
