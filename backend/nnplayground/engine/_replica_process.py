"""The second process of replicas.py: ``python -m nnplayground.engine._replica_process FD``
builds a copy of each model it is sent and answers its steps until the socket closes.  Its
own module, so that running it does not import the module it runs a second time."""

from __future__ import annotations

import contextlib
import pickle
import sys
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import numpy as np

from . import parallel
from .replicas import shared_views


class _Copy:
    """The second process's side: one model at a time, its weights and gradients mapped."""

    def __init__(self, payload: dict[str, Any]) -> None:
        from .model import Sequential

        self.shm = SharedMemory(name=payload["shm"])
        # The model's process owns the memory and unlinks it; this process's own resource
        # tracker would otherwise unlink it again at exit and warn of a leak.
        resource_tracker.unregister(self.shm._name, "shared_memory")  # type: ignore[attr-defined]
        dtype = np.dtype(payload["dtype"])
        self.model = Sequential.from_config(payload["config"], dtype=dtype, max_params=None)
        self.model.loss = payload["loss"]
        self.model._plan()
        self.params = self.model.parameters()
        self.values, self.grads = shared_views(self.shm, self.params, dtype)
        # The copy reads its weights where the model's process writes them: no copy a step
        # (SimpleConvNet's 434 K weights: 139 us a step, on the slower half's path).
        for p, v in zip(self.params, self.values, strict=True):
            p.value = v

    def step(self, xb: np.ndarray, yb: np.ndarray, share: float, seed: int | None,
             errors: dict[str, str]) -> tuple[float, np.ndarray]:
        if seed is not None:
            bits = self.model.rng.bit_generator
            bits.state = type(bits)(seed).state
        with np.errstate(**errors):
            loss, out = self.model._gradients(xb, yb, share)
        for g, p in zip(self.grads, self.params, strict=True):
            if p.grad is not g:  # a layer that replaced its gradient array instead of
                np.copyto(g, p.grad)  # filling it: copy, and fill the shared one from now
                p.grad = g
        return loss, out

    def close(self) -> None:
        for p in self.params:  # let go of the shared memory before unmapping it
            p.value = p.value.copy()
            p.grad = np.zeros_like(p.value)
        self.values = self.grads = []
        with contextlib.suppress(BufferError):  # a view still held: the OS frees it at exit
            self.shm.close()


def _main(fd: int) -> None:
    """The second process: build copies and answer their steps until the socket closes."""
    parallel.hold_to_one_part()
    conn = Connection(fd)
    copy: _Copy | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        kind = message[0]
        try:
            if kind == "step":
                conn.send(("done", *copy.step(*message[1:])))
            elif kind == "build":
                if copy is not None:
                    copy.close()
                copy = None
                copy = _Copy(message[1])
                conn.send(("ready",))
            elif kind == "release":
                if copy is not None:
                    copy.close()
                copy = None
                conn.send(("released",))
        except Exception as exc:  # noqa: BLE001 - raised again, or reported, in the model's process
            conn.send(("error" if kind == "step" else "failed", _sendable(exc)))


def _sendable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001 - an exception that does not pickle travels as text
        return RuntimeError(repr(exc))


if __name__ == "__main__":
    _main(int(sys.argv[1]))
