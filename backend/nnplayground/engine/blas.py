"""How many OpenBLAS threads a matrix product gets.

NumPy's OpenBLAS splits every large enough GEMM over all cores.  That pays on an idle
machine (a batch-100 conv GEMM: 127 GFLOP/s on 2 threads vs 65 on 1) and is disastrous on
a shared, loaded one, where every GEMM waits for its worker thread to get a busy core.
Measured on the 2-core box at load ~13: a DeepConvNet training step took 2679 ms (median)
with 2 OpenBLAS threads and 724 ms with 1; predict() of one image 88 ms and 5.7 ms.  Two
rules follow:

* ``one_thread_if_small``: products below ``SMALL_GEMM`` multiply-adds (every single-image
  conv) always run on the calling thread; waking a second thread costs more than it saves.
* ``ThreadChoice``: a repeated block (one Conv2D's or Dense's training GEMMs) is timed with
  1 thread and with all of them, keeps the faster, and re-tries the other one every
  ``explore_every`` calls, so it follows the machine's load as other jobs come and go.
  It leaves its choice in place after the block, so the BLAS calls that follow run under
  it too: restoring 2 threads after every conv, before Dense had its own choice, left the
  Dense GEMMs to collapse under load (measured at load ~12: 1136 ms median per
  DeepConvNet step, vs 336 ms with 1 thread throughout).

The thread count is switched by calling NumPy's own OpenBLAS through ctypes (the engine
needs only numpy and the standard library): the library is found among the files this
process has mapped (/proc/self/maps, Linux).  Where it is not found (another BLAS, another
OS) both rules do nothing and OpenBLAS keeps its own choice.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

# M*N*K below which a GEMM runs single-threaded: above every single-image conv of the
# book's nets (<= 2.4e6) and below every batch-100 training GEMM (>= 1.1e7).
SMALL_GEMM = 1 << 23
# M*N*K up to which OpenBLAS itself runs a GEMM on the calling thread at any thread count,
# so asking for a count there only costs a call: 100x50x50 took 5.9 us on 1 thread and on 2,
# 100x128x50 12.8 and 12.7, 100x256x50 29.8 and 18.4 (this 2-core box, OpenBLAS 0.3.31).
SERIAL_GEMM = 1 << 18
# M*N*K up to which OpenBLAS's SkylakeX build (what this Zen 4 box runs) takes its small-
# matrix kernels, without packing: the one-channel first conv's products, (1200 x 26) @
# (26 x 30) blocks of SimpleConvNet's 28,800 x 26 columns, took 0.49 ms in all against 0.77
# whole, and the (26 x 28,800) @ (28,800 x 30) dW 0.50 against 0.91 (1,282-long blocks:
# 0.50; 1,300-long: 0.89).  Other builds have no such path; blocks this big lose only
# the ~2 us a call.
SMALL_KERNEL = 10**6

_controllers: list[Any] | None = None
_max_threads = 1
# The count this module last set.  Tracking it skips redundant switches (each one is a call
# into OpenBLAS; a set/reset pair through threadpoolctl measured 84 us under load).
_current = 1


class OpenBLAS:
    """NumPy's OpenBLAS library: get_num_threads() / set_num_threads(n)."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)  # already loaded by NumPy: this only looks up its handle
        # Wheels rename the symbols: scipy_openblas_..64_ in NumPy 2, openblas_... in others.
        names = [(p, q) for p in ("scipy_", "") for q in ("64_", "")]
        prefix, suffix = next(
            (p, q) for p, q in names if hasattr(lib, f"{p}openblas_set_num_threads{q}")
        )
        self._get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}")
        self._get.restype = ctypes.c_int
        self._set = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}")
        self._set.argtypes = [ctypes.c_int]
        self._core = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
        if self._core is not None:
            self._core.restype = ctypes.c_char_p

    def get_num_threads(self) -> int:
        return int(self._get())

    def set_num_threads(self, n: int) -> None:
        self._set(n)

    def core_name(self) -> str:
        """The kernels it picked at start-up (DYNAMIC_ARCH builds), e.g. "SkylakeX"."""
        return self._core().decode() if self._core is not None else "unknown"


def _find_openblas() -> list[Any]:
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    for path in sorted(p for p in paths if ".so" in p):
        try:
            return [OpenBLAS(path)]
        except (OSError, StopIteration):
            continue
    return []


def _blas_controllers() -> list[Any]:
    global _controllers, _max_threads, _current
    if _controllers is None:
        import numpy  # noqa: F401  (OpenBLAS is mapped once NumPy's core is loaded)

        _controllers = _find_openblas()
        _max_threads = max([1, *(c.get_num_threads() for c in _controllers)])
        _current = _max_threads
    return _controllers


def small_blocks(length: int, per_item: int) -> list[tuple[int, int]]:
    """Ranges cutting ``length`` (a product's M or K) so that each block's product, of
    ``per_item`` multiply-adds an item, stays within SMALL_KERNEL."""
    step = max(1, SMALL_KERNEL // max(1, per_item))
    return [(i, min(i + step, length)) for i in range(0, length, step)]


def max_threads() -> int:
    """OpenBLAS's thread count when first asked (its start-up choice: cores or
    OPENBLAS_NUM_THREADS), the most a ThreadChoice uses."""
    _blas_controllers()
    return _max_threads


def core_name() -> str:
    """The kernels NumPy's OpenBLAS runs ("unknown" without it); NumPy's build line names
    only the build's target, and OPENBLAS_CORETYPE overrides the choice."""
    return ", ".join(c.core_name() for c in _blas_controllers()) or "unknown"


def _set(n: int) -> None:
    global _current
    if n != _current:
        for lib in _blas_controllers():
            lib.set_num_threads(n)
        _current = n


def reset() -> None:
    """Give OpenBLAS back its start-up thread count (a ThreadChoice leaves its own)."""
    _blas_controllers()
    _set(_max_threads)


@contextmanager
def one_thread_if_small(multiply_adds: int) -> Iterator[None]:
    """Run the block's BLAS calls on one thread when the work is below SMALL_GEMM."""
    if multiply_adds >= SMALL_GEMM or not _blas_controllers():
        yield
        return
    with threads(1):
        yield


def hold_one_thread() -> None:
    """Put OpenBLAS on one thread and leave it there (the fast paths' setting)."""
    _blas_controllers()
    _set(1)


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block's BLAS calls on ``n`` threads, then restore the previous count."""
    if not _blas_controllers():
        yield
        return
    before = _current
    _set(n)
    try:
        yield
    finally:
        _set(before)


class ThreadChoice:
    """Times a repeated block under 1 thread and under the default count; runs the faster.

    Each option keeps an exponential moving average of its wall time (weight ``alpha`` for
    the newest call); an option not yet timed is tried first."""

    def __init__(self, explore_every: int = 50, alpha: float = 0.3) -> None:
        self.explore_every = explore_every
        self.alpha = alpha
        self.seconds: dict[int, float] = {}
        self.calls = 0
        self._running, self._start = 0, 0.0  # the block being timed (run -> __exit__)

    def _pick(self, options: list[int]) -> int:
        untimed = [n for n in options if n not in self.seconds]
        if untimed:
            return untimed[0]
        best = min(options, key=self.seconds.__getitem__)
        if self.calls % self.explore_every == 0:
            return next(n for n in options if n != best)
        return best

    def run(self) -> AbstractContextManager[None]:
        """``with choice.run():`` runs the block under the count picked now and times it.
        The choice is its own context manager: as a generator one, the two a TwoLayerNet
        step enters took 2.7 us each."""
        if not _blas_controllers() or _max_threads == 1:  # nothing to choose between
            return nullcontext()
        self.calls += 1
        self._running = self._pick([1, _max_threads])
        _set(self._running)
        self._start = time.perf_counter()
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        elapsed = time.perf_counter() - self._start
        n, old = self._running, self.seconds.get(self._running)
        self.seconds[n] = elapsed if old is None else old + self.alpha * (elapsed - old)
