"""Training steps shared with a second process: each process takes part of the batch.

Why a process and not more threads: within one process every NumPy call a thread makes
takes the GIL again, and on these VMs a thread that waits for it sleeps its core.  Measured
on the 2-core Zen 4 VM (DeepConvNet, batch 100, Adam): 72 ms a step with each layer's batch
split over two threads (parallel.split); one process on one core with batch 50 took 54 ms,
and two such processes at once 54-57 ms each.  So the big steps go here: the model's
process computes the gradient of the first half of the batch on one core while a copy of
the model in a second process computes the second half's on the other; the gradients are
weighted by their share of the batch and summed, and the optimizer then steps once, in the
model's process.  Mathematically that is the full batch's gradient (every loss here is a
mean over the batch); in float32 the sums run in another order (tests check 1e-5).

What the copy needs each step travels as little as possible: the weights (written by the
model's process into shared memory), the half batch (through the pipe), and back the
half's loss, outputs (for the metrics) and gradients (shared memory).  The copy is built
from the model's config, so every layer type works without code of its own here; models
that couple the samples of a batch (BatchNormalization's batch statistics) never split.
Dropout in the copy draws from a generator seeded by the model's own, once a step, so a
seeded run repeats exactly.

The second process is a fresh interpreter (``python -m nnplayground.engine._replica_process``),
not a fork: a fork of the server, with its threads, could inherit a held lock, and
multiprocessing's spawn and forkserver run the parent's main script again in the child (a
learner's script without an ``if __name__ == "__main__"`` guard would train twice).  One
idle process is kept for the next model, so a process pays the interpreter's start once.
The shared memory's name is unlinked as soon as the copy has mapped it, so a crash leaves
nothing behind; the copy exits when its socket closes (its model's process died).
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import socket
import subprocess
import sys
import threading
import weakref
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import flat, malloc, parallel

if TYPE_CHECKING:
    from .model import Sequential

# Which steps go to a second process: those of at least MIN_WORK multiply-adds, in a model
# doing at least MIN_INTENSITY multiply-adds a sample per input number.  Interleaved A/Bs,
# median step, threads -> second process:
# * Zen 4 VM, batch 100: DeepConvNet (8.8e8 a step) 68.3 -> 59.6 and 68.3 -> 58.5 ms;
#   SimpleConvNet (8.7e7) 9.20 -> 9.34 and 12.37 -> 12.35 (even).
# * Intel VM with AVX-512 (an empty thread hand-off there: 93 us, and SimpleConvNet makes
#   10 a step): SimpleConvNet 3.83 -> 3.22, 4.93 -> 4.00, 5.86 -> 4.98, 9.08 -> 7.74 and
#   15.19 -> 14.00 ms at batch 16, 32, 50, 100 and 200; DeepConvNet 64.8 -> 56.3.
#   TwoLayerNet loses: 0.33 -> 0.72 ms at batch 100, 1.61 -> 2.16 at 1,000.  Its work is a
#   few GEMMs that threads split in one hand-off each, while the half batch through the
#   socket (3 MB at 1,000) costs about as much as the work itself.
# Multiply-adds a sample per input number: TwoLayerNet 51, the 5x100 MLP 166, SimpleConvNet
# 1,100, DeepConvNet 11,200.
MIN_WORK = 1e7
MIN_INTENSITY = 500
# Samples each process must get at least.
MIN_PART = 8
CHILD = "nnplayground.engine._replica_process"  # what the second process runs
START_TIMEOUT = 60.0  # seconds: a new interpreter imports NumPy and the engine

_replicas: weakref.WeakKeyDictionary[Any, Replica] = weakref.WeakKeyDictionary()
_refused: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()
_enabled = os.environ.get("NNPG_REPLICAS", "1") != "0"


def set_enabled(on: bool) -> None:
    """Process-wide switch (benchmarks compare both); ``NNPG_REPLICAS=0`` sets it off at
    start."""
    global _enabled
    _enabled = bool(on)
    if not on:
        with _lock:
            dropped = list(_replicas.values())
            _replicas.clear()
        for replica in dropped:
            replica.close()


def wanted(model: Sequential, n: int) -> bool:
    """Whether a training step on ``n`` samples should be shared with a second process."""
    if not (_enabled and n >= 2 * MIN_PART and parallel.enabled()):
        return False
    macs, inputs, couples = _facts(model)
    return (not couples and macs >= MIN_INTENSITY * inputs and n * macs >= MIN_WORK
            and parallel.workers() >= 2 and model not in _refused)


def _facts(model: Sequential) -> tuple[int, int, bool]:
    """A sample's multiply-adds, its input numbers, and whether the batch's samples are
    coupled: fixed once the model is built, and asked at every step (summing them each
    time cost TwoLayerNet 22 us of its 340 us step)."""
    facts = model.__dict__.get("_replica_facts")
    if facts is None:
        facts = model.__dict__["_replica_facts"] = (
            sum(layer.multiply_adds() for layer in model.layers),
            math.prod(model.input_shape or (1,)),
            any(layer.couples_samples for layer in model.layers))
    return facts


def replica_for(model: Sequential) -> Replica | None:
    """The model's second process, started on first use; None when it cannot start."""
    with _lock:
        replica = _replicas.get(model)
        if replica is None:
            try:
                replica = Replica(model)
            except Exception:  # noqa: BLE001 - e.g. a layer type the copy cannot build
                _refused.add(model)  # it trains in its own process, as without replicas
                return None
            _replicas[model] = replica
        return replica


def forget(model: Sequential) -> None:
    """Stop the model's second process (its layers or loss changed, or training ended)."""
    with _lock:
        replica = _replicas.pop(model, None)
        _refused.discard(model)
    if replica is not None:
        replica.close()


def refuse(model: Sequential) -> None:
    """Train this model in its own process only from now on (its second process died)."""
    forget(model)
    _refused.add(model)


class _Child:
    """A second interpreter running ``_main``, talking over a socket pair."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # the folder holding nnplayground
        env = dict(malloc.ENV, **os.environ)  # a user's own malloc settings win
        env.update(OPENBLAS_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", CHILD, str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                close_fds=True)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def ask(self, message: tuple, timeout: float) -> tuple:
        self.conn.send(message)
        if not self.conn.poll(timeout):
            raise RuntimeError("the second process did not answer")
        return self.conn.recv()

    def close(self) -> None:
        self.conn.close()  # it reads EOF and exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


_idle: list[_Child] = []  # at most one, ready for the next model


def _take_child() -> _Child:
    while _idle:
        child = _idle.pop()
        if child.proc.poll() is None:
            return child
        child.close()
    return _Child()


def _abandon(child: _Child, shm: SharedMemory) -> None:
    child.conn.close()  # the copy reads EOF and exits; subprocess reaps it later
    with contextlib.suppress(BufferError):  # a view still exported: the OS frees it
        shm.close()


def _give_back(child: _Child, shm: SharedMemory) -> None:
    try:
        ok = child.proc.poll() is None and child.ask(("release",), 5.0) == ("released",)
    except (OSError, EOFError, RuntimeError):
        ok = False
    with _lock_idle:
        if ok and not _idle:
            _idle.append(child)
            child = None
    if child is not None:
        child.close()
    with contextlib.suppress(BufferError):  # a view still exported: the OS frees it
        shm.close()


_lock_idle = threading.Lock()


def _shutdown_idle() -> None:
    with _lock_idle:
        children = list(_idle)
        _idle.clear()
    for child in children:
        child.close()


atexit.register(_shutdown_idle)


def _forget_after_fork() -> None:
    # A forked child shares its parent's sockets: talking on them, or handing a copy back
    # when a model dies, would take over the parent's second processes.  It starts afresh.
    global _lock, _lock_idle
    for replica in list(_replicas.values()):
        replica.take_weights_back()  # the mapping is shared with the parent's copy
        replica._finalizer.detach()
    _replicas.clear()
    _idle.clear()
    _lock, _lock_idle = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def shared_views(shm: SharedMemory, params: list, dtype: np.dtype
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Both processes' layout of the shared memory: every parameter's value, in order,
    then every gradient."""
    total = sum(p.size for p in params)
    values, grads, offset = [], [], 0
    for p in params:
        values.append(np.ndarray(p.shape, dtype, shm.buf, offset * dtype.itemsize))
        grads.append(np.ndarray(p.shape, dtype, shm.buf, (total + offset) * dtype.itemsize))
        offset += p.size
    return values, grads


class Replica:
    """A copy of a model in a second process, computing the gradient of part of a batch."""

    def __init__(self, model: Sequential) -> None:
        malloc.keep_freed_memory()  # this process's half is on the step's critical path
        params = model.parameters()
        self.dtype = np.dtype(model.dtype)
        total = sum(p.size for p in params)
        self.shm = SharedMemory(create=True, size=max(1, 2 * total * self.dtype.itemsize))
        self.child: _Child | None = None
        try:
            self.values, self.grads = shared_views(self.shm, params, self.dtype)
            payload = {"config": model.get_config(), "dtype": self.dtype.str,
                       "loss": model.loss, "shm": self.shm.name}
            with _lock_idle:
                self.child = _take_child()
            reply = self.child.ask(("build", payload), START_TIMEOUT)
            if reply[0] != "ready":
                raise RuntimeError(f"the second process could not build the model: {reply[1]}")
        except BaseException:
            if self.child is not None:
                self.child.close()
            self.values = self.grads = []
            self.shm.close()
            raise
        finally:
            self.shm.unlink()  # both processes have it mapped (or the start failed)
        # The model's weights live in the shared memory from now on (the optimizer
        # updates them there), so a step copies none: 434 K weights took 0.11 ms of
        # SimpleConvNet's 6.5 ms step.  close() moves them back out.
        self.pack = flat.whole(params)
        self.shared = np.ndarray(total, self.dtype, self.shm.buf)  # the values, flat
        if self.pack is not None:
            flat.move(self.pack, self.shared)
        # Dropped without close() (its model collected, perhaps by the cyclic GC on any
        # thread, the server's event loop included): no lock and no waiting there, only the
        # socket closed, and the copy exits.  close() hands the copy on for the next model.
        self._finalizer = weakref.finalize(self, _abandon, self.child, self.shm)

    def step(self, model: Sequential, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray]:
        """The gradient of the whole batch in every ``Parameter.grad`` (the first half here,
        the rest there); returns the batch's loss (no penalty) and the loss layers' output."""
        params = model.parameters()
        n = len(xb)
        k = n // 2
        if not self._weights_shared(params):  # a weight bound anew (the race lab does)
            for view, p in zip(self.values, params, strict=True):
                np.copyto(view, p.value)
        seed = (int(model.rng.integers(1 << 63))
                if any(layer.stochastic for layer in model.layers) else None)
        conn = self.child.conn
        # Each half's gradient comes out already weighted by its share of the batch (the
        # loss gradient is scaled, a (half, outputs) array), so here they only add up.
        conn.send(("step", xb[k:], yb[k:], (n - k) / n, seed, np.geterr()))
        try:
            with parallel.one_part():
                loss_here, out_here = model._gradients(xb[:k], yb[:k], k / n)
        finally:
            reply = conn.recv()  # always: the pipe stays in step even if this half raised
        if reply[0] != "done":
            raise reply[1]
        _, loss_there, out_there = reply
        for p, g in zip(params, self.grads, strict=True):
            p.grad += g
        loss = (k * loss_here + (n - k) * loss_there) / n
        return loss, np.concatenate([out_here, out_there])

    def _weights_shared(self, params: list) -> bool:
        return (self.pack is not None and self.pack.whole.value is self.shared
                and flat.whole(params) is self.pack)

    def take_weights_back(self) -> None:
        """The model's weights out of the shared memory, into memory of its own."""
        if self.pack is None or self.shared is None:
            return
        still = flat.whole(list(self.pack.params)) is self.pack
        if still and self.pack.whole.value is self.shared:
            flat.move(self.pack, np.empty_like(self.shared))
            return
        for p in self.pack.params:  # packed again or bound anew: only strays are left
            if np.may_share_memory(p.value, self.shared):
                p.value = p.value.copy()

    def close(self) -> None:
        self.take_weights_back()
        self.values = self.grads = []
        self.shared = None
        if self._finalizer.detach() is not None:  # not closed or dropped before
            _give_back(self.child, self.shm)
