"""Fast paths' switch and their workers: one layer's batch split over the cores.

NumPy runs a copy or an elementwise op on one core, and OpenBLAS splits only a GEMM.  A
training step of the book's conv nets is mostly copies (im2col), elementwise passes (ReLU,
pooling) and GEMMs too skinny for OpenBLAS to split well, so on 2 cores the second one sat
idle most of the step.  Here a layer cuts its batch (or its channels) into one part per
core and runs the same NumPy code on each part in a thread: NumPy releases the GIL inside
copies, ufunc loops and BLAS calls, so the parts really run at once.  OpenBLAS is held to
one thread meanwhile, so the two workers never wait on each other's BLAS threads (which
spin on a loaded machine, see blas.py).

Every layer with a fast path keeps its plain reference path (the one a learner reads next
to the book) beside it.  ``with only_paths("reference"): ...`` (or ``NNPG_PATHS=reference``
for the whole process) runs every layer on its reference path; the tests check that the
two agree.  Fast paths are all or nothing: mixing them with reference layers that let
OpenBLAS use its own threads was measured slower than either (DeepConvNet step, 2 cores:
164 ms median with each layer choosing by its own timing, 119 ms all fast, 145 ms all
reference), since OpenBLAS's idle threads spin on the cores the workers need.  The one
exception is a step with nothing to split (TwoLayerNet's): Dense then times OpenBLAS's own
threads against one (Dense._unsplit_threads).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar

import numpy as np

from . import blas

T = TypeVar("T")

PATHS = ("reference", "fast")
_forced: str | None = os.environ.get("NNPG_PATHS") if os.environ.get("NNPG_PATHS") in PATHS \
    else None
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
# One part a layer, for this thread (one_part) or the whole process (hold_to_one_part): a
# training step shared with a second process (replicas.py) runs each half on one core.
_local = threading.local()
_held = False


def enabled() -> bool:
    """Whether layers take their fast paths (false under ``only_paths("reference")``)."""
    return _forced != "reference"


@contextmanager
def only_paths(path: str | None) -> Iterator[None]:
    """Within the block every layer runs ``path`` ("reference" or "fast"; None: the
    default, fast).  Process-wide, for tests and benchmarks."""
    global _forced
    if path is not None and path not in PATHS:
        raise ValueError(f"path must be one of {PATHS} or None, got {path!r}")
    before = _forced
    _forced = path
    try:
        yield
    finally:
        _forced = before


def workers() -> int:
    """Parts a batch is cut into: OpenBLAS's own thread count (the cores, or
    OPENBLAS_NUM_THREADS), so the engine never asks for more cores than BLAS would use;
    one inside ``one_part`` or after ``hold_to_one_part``."""
    if _held or getattr(_local, "one", False):
        return 1
    return max(1, blas.max_threads())


def cores() -> int:
    """The cores OpenBLAS would use, whatever ``one_part`` says."""
    return max(1, blas.max_threads())


@contextmanager
def one_part() -> Iterator[None]:
    """Within the block this thread's layers run whole, on one core."""
    before = getattr(_local, "one", False)
    _local.one = True
    try:
        yield
    finally:
        _local.one = before


def hold_to_one_part() -> None:
    """Every layer of this process runs whole from now on (a replica's second process)."""
    global _held
    _held = True


def _forget_pool() -> None:
    # A forked child has none of the parent's threads: it must start its own pool rather
    # than queue parts on workers that do not exist there (and wait forever).
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max(1, cores() - 1), thread_name_prefix="nnpg-part")
        return _pool


def bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ranges covering 0..n as evenly as possible (empty ones dropped)."""
    parts = max(1, min(parts, n))
    return [(n * i // parts, n * (i + 1) // parts) for i in range(parts)]


def split(fn: Callable[[int, int, int], T], n: int, parts: int | None = None) -> list[T]:
    """Run ``fn(part, lo, hi)`` for each range of ``bounds(n, parts)``, at once, and return
    the results in order.  The last part runs on the calling thread.  OpenBLAS is left on
    one thread per part: the fast paths never restore its own count (each switch is a call
    into OpenBLAS; TwoLayerNet's step is 0.7 ms), the reference paths set theirs."""
    ranges = bounds(n, workers() if parts is None else parts)
    blas.hold_one_thread()
    if len(ranges) == 1:
        return [fn(0, *ranges[0])]
    futures = [_executor().submit(fn, i, lo, hi) for i, (lo, hi) in enumerate(ranges[:-1])]
    try:
        last = fn(len(ranges) - 1, *ranges[-1])
    finally:  # never leave a part writing into buffers the caller is done with
        wait(futures)
    return [f.result() for f in futures] + [last]


# Elementwise work below this many elements runs as one call: handing half of it to the
# other core costs ~20 us, more than the op itself (single images, the Dense layers).
MIN_ELEMENTWISE = 1 << 16


def _flat(a: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]] | None:
    """A 1-D view of a's memory and the axis order it walks, or None when a has gaps."""
    order = tuple(sorted(range(a.ndim), key=lambda k: -a.strides[k]))
    walked = a.transpose(order)
    if not walked.flags.c_contiguous:
        return None
    return walked.reshape(-1), tuple(k for k in order if a.shape[k] > 1)


def elementwise(fn: Callable[..., None], *arrays: np.ndarray, parts: bool = True) -> None:
    """Run ``fn(*arrays)`` (an elementwise op writing into some of them) in one part per core.

    Parts are ranges of the arrays' memory, so they must all have the same shape and be
    laid out in the same order (e.g. all channel-major after a conv); otherwise, when the
    arrays are small, or with ``parts=False``, fn runs once on the whole arrays."""
    size = arrays[0].size
    if not parts or size < MIN_ELEMENTWISE:  # checked first: single images pay no more
        fn(*arrays)
        return
    flats = [_flat(a) for a in arrays]
    if (any(f is None for f in flats)
            or any(a.shape != arrays[0].shape for a in arrays)
            or len({order for _, order in flats}) != 1):  # type: ignore[misc]
        fn(*arrays)
        return
    views = [view for view, _ in flats]  # type: ignore[misc]
    split(lambda _, lo, hi: fn(*(v[lo:hi] for v in views)), size)
