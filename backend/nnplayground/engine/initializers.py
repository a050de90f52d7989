"""Weight initialisers, chosen per layer with ``init``: a name or ``{"name": ..., **params}``.

Each initialiser is an object called as ``init(shape, fan_in, fan_out, rng, dtype)``.
For Dense ``fan_in``/``fan_out`` are the input/output widths; for Conv2D they are
``C*kh*kw`` and ``filters*kh*kw`` (the number of inputs/outputs one weight touches).
Draws use ``rng`` directly in the target dtype so a seed gives identical weights.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .registry import Registry

INITIALIZERS = Registry("initializer")


class Initializer:
    def __call__(
        self,
        shape: tuple[int, ...],
        fan_in: int,
        fan_out: int,
        rng: np.random.Generator,
        dtype: Any = np.float32,
    ) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": type(self).registry_name}  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


class _ScaledNormal(Initializer):
    """Gaussian with a standard deviation that depends only on the fans."""

    def std(self, fan_in: int, fan_out: int) -> float:
        raise NotImplementedError

    def __call__(self, shape, fan_in, fan_out, rng, dtype=np.float32):  # type: ignore[override]
        dtype = np.dtype(dtype)
        w = rng.standard_normal(shape, dtype=dtype)
        w *= dtype.type(self.std(fan_in, fan_out))
        return w


@INITIALIZERS.register("normal", "gaussian", "random_normal")
class Normal(_ScaledNormal):
    """N(0, std^2) with a fixed std: the book's 0.01 (ch. 4) or 1 (ch. 6 activation demo)."""

    def __init__(self, std: float = 0.01) -> None:
        if isinstance(std, bool) or not isinstance(std, numbers.Real) or not std > 0:
            raise ValueError(f"initializer 'normal': std must be a positive number, got {std!r}")
        self.std_value = float(std)

    def std(self, fan_in: int, fan_out: int) -> float:
        return self.std_value

    def get_config(self) -> dict[str, Any]:
        return {"name": "normal", "std": self.std_value}


@INITIALIZERS.register("xavier_normal", "glorot_normal", "xavier")
class XavierNormal(_ScaledNormal):
    """Glorot & Bengio: std sqrt(2 / (fan_in + fan_out)), keeps sigmoid/tanh signals alive."""

    def std(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(2.0 / (fan_in + fan_out))


class _ScaledUniform(Initializer):
    """U(-a, a) with a limit that depends only on the fans (variance a²/3)."""

    def limit(self, fan_in: int, fan_out: int) -> float:
        raise NotImplementedError

    def __call__(self, shape, fan_in, fan_out, rng, dtype=np.float32):  # type: ignore[override]
        dtype = np.dtype(dtype)
        limit = self.limit(fan_in, fan_out)
        w = rng.random(shape, dtype=dtype)
        w *= dtype.type(2 * limit)
        w -= dtype.type(limit)
        return w


@INITIALIZERS.register("xavier_uniform", "glorot_uniform")
class XavierUniform(_ScaledUniform):
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)): same variance as xavier_normal
    (Keras's default for Dense and Conv2D)."""

    def limit(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(6.0 / (fan_in + fan_out))


@INITIALIZERS.register("he_uniform", "kaiming_uniform")
class HeUniform(_ScaledUniform):
    """U(-a, a) with a = sqrt(6 / fan_in): He's variance 2 / fan_in, uniformly drawn."""

    def limit(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(6.0 / fan_in)


@INITIALIZERS.register("lecun_uniform")
class LeCunUniform(_ScaledUniform):
    """U(-a, a) with a = sqrt(3 / fan_in): LeCun's variance 1 / fan_in, uniformly drawn."""

    def limit(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(3.0 / fan_in)


@INITIALIZERS.register("he", "he_normal", "kaiming")
class He(_ScaledNormal):
    """He et al.: std sqrt(2 / fan_in), made for ReLU (the book's recommendation, ch. 6)."""

    def std(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(2.0 / fan_in)


@INITIALIZERS.register("lecun", "lecun_normal")
class LeCun(_ScaledNormal):
    """std sqrt(1 / fan_in): what the book calls the "Xavier" initial value (ch. 6)."""

    def std(self, fan_in: int, fan_out: int) -> float:
        return math.sqrt(1.0 / fan_in)


@INITIALIZERS.register("zeros", "zero")
class Zeros(Initializer):
    """All zeros: the book's counter-example (every unit learns the same thing)."""

    def __call__(self, shape, fan_in, fan_out, rng, dtype=np.float32):  # type: ignore[override]
        return np.zeros(shape, np.dtype(dtype))


def get_initializer(spec: str | dict[str, Any] | Initializer) -> Initializer:
    """Resolve ``"he"``, ``{"name": "normal", "std": 0.01}`` or an instance."""
    if isinstance(spec, Initializer):
        return spec
    if not isinstance(spec, str | dict):
        raise ValueError(f"init must be a name or {{'name': ...}}, got {spec!r}")
    return INITIALIZERS.create(spec)
