"""``keras.initializers``: Keras's classes as the engine's initialisers (same draws).

Strings work too: "glorot_uniform" (Keras's default), "he_normal", "he_uniform",
"lecun_normal", "lecun_uniform", "glorot_normal", "zeros", "random_normal" (std 0.01 as the
book's, where Keras's RandomNormal object defaults to 0.05)."""

from __future__ import annotations

from typing import Any

from ..engine import initializers as _init

GlorotUniform = _init.XavierUniform
GlorotNormal = _init.XavierNormal
HeNormal = _init.He
HeUniform = _init.HeUniform
LecunNormal = _init.LeCun
LecunUniform = _init.LeCunUniform
Zeros = _init.Zeros


class RandomNormal(_init.Normal):
    """N(0, stddev²); only mean 0 is supported (weights are centred in every rule here)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        if mean != 0:
            raise ValueError(f"RandomNormal: only mean=0.0 is supported, got {mean!r}")
        super().__init__(std=stddev)


def get(identifier: Any) -> Any:
    """A name, a config dict or an initialiser object -> the engine's initialiser."""
    return _init.get_initializer(identifier)
