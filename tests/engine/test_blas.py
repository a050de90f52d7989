"""blas.py: the OpenBLAS thread policy.  A fake library and a fake clock make the choice
deterministic; real runs check that the ctypes binding really switches NumPy's OpenBLAS and
that the thread count never changes a layer's numbers."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from nnplayground.engine import blas, parallel
from nnplayground.engine.layers import Conv2D, Dense

from .layers import build


class FakeBlas:
    """Stands in for blas.OpenBLAS: remembers the thread count it was given."""

    user_api = "blas"

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.history: list[int] = []

    def get_num_threads(self) -> int:
        return self.threads

    def set_num_threads(self, n: int) -> None:
        self.threads = n
        self.history.append(n)


@pytest.fixture
def fake_blas(monkeypatch):
    lib = FakeBlas(2)
    monkeypatch.setattr(blas, "_controllers", [lib])
    monkeypatch.setattr(blas, "_max_threads", 2)
    monkeypatch.setattr(blas, "_current", 2)
    return lib


def run_block(choice: blas.ThreadChoice, lib: FakeBlas, clock: list[float],
              cost: dict[int, float]) -> int:
    """One timed block whose duration depends on the thread count it ran with."""
    with choice.run():
        used = lib.threads
        clock[0] += cost[used]
    return used


def test_thread_choice_tries_both_then_keeps_the_faster(fake_blas, monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(blas.time, "perf_counter", lambda: clock[0])
    choice = blas.ThreadChoice(explore_every=10)
    loaded = {1: 0.3, 2: 1.0}  # a busy machine: the second thread only waits
    used = [run_block(choice, fake_blas, clock, loaded) for _ in range(20)]
    assert used[:2] == [1, 2]  # each option timed once first
    # then the faster one, except one re-try of the other every 10th call
    assert used[2:] == [1] * 7 + [2] + [1] * 9 + [2]
    assert choice.seconds == pytest.approx({1: 0.3, 2: 1.0})


def test_thread_choice_follows_the_load_when_it_changes(fake_blas, monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(blas.time, "perf_counter", lambda: clock[0])
    choice = blas.ThreadChoice(explore_every=5, alpha=0.5)
    for _ in range(10):
        run_block(choice, fake_blas, clock, {1: 0.3, 2: 1.0})
    idle = {1: 0.3, 2: 0.16}  # the other jobs ended: two threads now win
    used = [run_block(choice, fake_blas, clock, idle) for _ in range(20)]
    # Every 5th call re-tries the other option; the moving average of two threads drops
    # 1.0 -> 0.58 -> 0.37 -> 0.265 at calls 15, 20, 25, below one thread's 0.3 at the
    # third try: from then on two threads, except the re-try of one thread at call 30.
    assert used == [1, 1, 1, 1, 2] * 3 + [2] * 4 + [1]
    assert choice.seconds[2] < choice.seconds[1]


def test_one_thread_if_small_only_for_small_products(fake_blas) -> None:
    with blas.one_thread_if_small(blas.SMALL_GEMM - 1):
        assert fake_blas.threads == 1
    assert fake_blas.threads == 2  # restored
    with blas.one_thread_if_small(blas.SMALL_GEMM):
        assert fake_blas.threads == 2
    assert fake_blas.history == [1, 2]


def test_small_blocks_cover_the_length_within_the_small_kernel_limit() -> None:
    blocks = blas.small_blocks(28_800, 26 * 30)  # SimpleConvNet's first conv, half a batch
    assert blocks[0] == (0, 1282) and blocks[-1][1] == 28_800
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:], strict=False))
    assert all((hi - lo) * 26 * 30 <= blas.SMALL_KERNEL for lo, hi in blocks)
    assert blas.small_blocks(5, 10**7) == [(i, i + 1) for i in range(5)]  # one item each
    assert blas.small_blocks(0, 10) == []


def test_without_openblas_nothing_is_switched(monkeypatch) -> None:
    monkeypatch.setattr(blas, "_controllers", [])
    choice = blas.ThreadChoice()
    with choice.run(), blas.one_thread_if_small(1):
        pass
    assert choice.seconds == {} and choice.calls == 0


def test_dense_fast_path_threads_for_an_unsplit_product(fake_blas) -> None:
    """Below the split: up to SERIAL_GEMM no count is asked for; a training batch with the
    cores to itself times 1 thread against all; one part, or inference, holds one."""
    rng = np.random.default_rng(0)
    (tiny,) = build([Dense(10)], (50,), np.float32)
    (mid,) = build([Dense(50)], (784,), np.float32)
    x_tiny = rng.standard_normal((100, 50)).astype(np.float32)
    x_mid = rng.standard_normal((100, 784)).astype(np.float32)
    assert 100 * tiny.W.size <= blas.SERIAL_GEMM < 100 * mid.W.size < blas.SMALL_GEMM
    tiny.backward(tiny.forward(x_tiny, True))
    tiny.forward(x_tiny, False)
    assert fake_blas.history == []
    for _ in range(2):
        mid.backward(mid.forward(x_mid, True))
    assert set(mid.forward_threads.seconds) == set(mid.backward_threads.seconds) == {1, 2}
    # each option timed once by both: 1 for the first step, then 2 (one switch each)
    assert fake_blas.history == [1, 2]
    with parallel.one_part():
        mid.backward(mid.forward(x_mid, True))
    assert mid.forward_threads.calls == mid.backward_threads.calls == 2
    assert fake_blas.threads == 1
    blas._set(2)
    mid.forward(x_mid, False)
    assert fake_blas.threads == 1 and mid.forward_threads.calls == 2


@pytest.fixture
def restore_threads():
    yield
    blas.reset()


def test_ctypes_binding_agrees_with_threadpoolctl(restore_threads) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    libs = blas._blas_controllers()
    assert libs, "NumPy's OpenBLAS was not found in /proc/self/maps"
    for n in (1, blas.max_threads()):
        libs[0].set_num_threads(n)
        seen = [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["internal_api"] == "openblas"]
        assert seen == [n]


LAYER_CASES = {
    "conv": (lambda: Conv2D(8, 3, padding=1), (4, 12, 12), (8, 12, 12)),
    "dense": (lambda: Dense(40), (300,), (40,)),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_thread_count_does_not_change_a_layer(case, restore_threads) -> None:
    """Training GEMMs forced onto 1 thread and onto all: the same numbers (float32).  The
    thread choice is the reference path's (the fast paths hold OpenBLAS to one thread, but
    for a step with nothing to split: see the test above)."""
    if blas.max_threads() < 2:
        pytest.skip("OpenBLAS runs one thread here: nothing to compare")
    make, in_shape, out_shape = LAYER_CASES[case]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, *in_shape)).astype(np.float32)
    g = rng.standard_normal((64, *out_shape)).astype(np.float32)
    results = []
    for threads in (1, blas.max_threads()):
        (layer,) = build([make()], in_shape, np.float32)
        for choice in (layer.forward_threads, layer.backward_threads):
            choice._pick = lambda options, n=threads: n
        seen = []
        with parallel.only_paths("reference"):
            y = layer.forward(x, True)
            seen.append(blas._blas_controllers()[0].get_num_threads())
            dx = layer.backward(g)
            seen.append(blas._blas_controllers()[0].get_num_threads())
        assert seen == [threads, threads]
        results.append((y.copy(), dx.copy(), layer.W.grad.copy(), layer.b.grad.copy()))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)


def test_core_name_is_the_kernel_openblas_runs():
    # A child forced onto the Haswell kernels must say so, whatever this machine picks.
    if not blas._blas_controllers():
        pytest.skip("NumPy's OpenBLAS not found in this process")
    code = "from nnplayground.engine import blas; print(blas.core_name())"
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    assert out == "Haswell"
    assert blas.core_name() not in ("", "unknown")
