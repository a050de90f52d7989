"""Weights of a ``Sequential``: get/set as arrays, ``model.weights`` as Parameters, and files.

``save``/``load`` keep the whole model (spec, weights, compile settings) in one .npz;
``save_weights``/``load_weights`` keep only the arrays, for a model built the same way.
Every file is written to a temporary name in the same directory and renamed, so a crash
never leaves half a file under the real name.  Nothing is ever pickled.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import spec as specs
from .core import Parameter


def write_atomically(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class WeightsMixin:
    """Methods of ``Sequential`` about its weights (its state lives in model.py)."""

    def _weight_slots(self) -> list[tuple[str, np.ndarray]]:
        """(description, array) for every parameter, then every buffer, in a fixed order."""
        slots = [
            (f"layer {i} ({specs.layer_type(layer)}) parameter {p.name!r}", p.value)
            for i, layer in enumerate(self.layers)
            for p in layer.parameters()
        ]
        slots += [
            (f"layer {i} ({specs.layer_type(layer)}) buffer {k!r}", b)
            for i, layer in enumerate(self.layers)
            for k, b in layer.buffers().items()
        ]
        return slots

    @property
    def weights(self) -> list[Parameter]:
        """The trainable Parameters (``.value``, ``.numpy()``, ``.shape``), layer by layer."""
        return self.parameters()

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all parameters, then all buffers (BatchNorm running statistics)."""
        self._require_built()
        return [arr.copy() for _, arr in self._weight_slots()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Copy values in place (optimizer state stays attached to the same Parameters)."""
        self._require_built()
        slots = self._weight_slots()
        if len(weights) != len(slots):
            raise ValueError(f"expected {len(slots)} weight arrays, got {len(weights)}")
        for i, ((what, arr), new) in enumerate(zip(slots, weights, strict=True)):
            new = np.asarray(new)
            if new.shape != arr.shape:
                raise ValueError(
                    f"weight {i}, {what}: expected shape {list(arr.shape)}, got {list(new.shape)}"
                )
        for (_, arr), new in zip(slots, weights, strict=True):
            arr[...] = new

    def save(self, path: str | Path | IO[bytes]) -> None:
        """The whole model as .npz (any file name; Keras's "model.keras" works too)."""
        from .serialization import save_model

        if isinstance(path, (str, Path)):
            write_atomically(path, lambda fh: save_model(self, fh))
        else:
            save_model(self, path)

    @classmethod
    def load(cls, path: Any, rng: Any = None) -> Any:
        from .serialization import load_model

        return load_model(path, rng=rng, cls=cls)

    def save_weights(self, path: str | Path) -> None:
        """Only the arrays (``get_weights`` order) as .npz: ``arr_0``, ``arr_1``, ..."""
        arrays = {f"arr_{i}": w for i, w in enumerate(self.get_weights())}
        write_atomically(path, lambda fh: np.savez(fh, **arrays))

    def load_weights(self, path: str | Path) -> None:
        """Arrays written by ``save_weights`` (or ``save``) into this model, shapes checked."""
        from .serialization import ModelFileError, read_arrays

        arrays = read_arrays(path, str(path))
        count = sum(1 for key in arrays if key.startswith("arr_"))
        try:
            weights = [arrays[f"arr_{i}"] for i in range(count)]
        except KeyError as exc:
            raise ModelFileError(f"{path}: weight {exc} is missing") from None
        self.set_weights(weights)
