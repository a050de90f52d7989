"""Keeping decaying state out of float32's subnormal range.

A state that shrinks by a factor β every step its gradient is zero (Momentum's velocity,
RMSprop's h, Adam's moments) falls below float32's smallest normal number, 1.18e-38, after
a few hundred such steps: β = 0.9 takes a value from 1e-3 there in ~800 steps.  Weights that
stop getting gradient do this all the time: a dead ReLU unit's incoming weights, the pixels
at MNIST's border that are only sometimes ink.  x86 handles subnormal operands in microcode,
tens of times slower than normal ones, and NumPy cannot switch on flush-to-zero.  Measured
on the 2-core AVX-512 VM (random batches of 100, Adam): SimpleConvNet held ~100,000
subnormal moments of its 434,000 from step 800 on, and its step went from 11.3 to 14.2 ms;
TwoLayerNet held ~600 and went from 0.42 to 0.47 ms by step 2,400.

So the optimizer sets such values to zero once they are below ``FLUSH_BELOW`` — long before
they turn subnormal.  What that changes is far below float32's resolution: a moment of 1e-30
moves a weight by about lr·1e-30/ε ≈ 1e-26.
"""

from __future__ import annotations

import functools
import math

import numpy as np

FLUSH_BELOW = 1e-30
# The most steps between two flushes: one flush of 434 K values takes ~0.3 ms, so every 64
# steps it costs SimpleConvNet's step well under 0.1 %.
MAX_INTERVAL = 64

_TINY = float(np.finfo(np.float32).tiny)


@functools.lru_cache(maxsize=64)  # asked at every optimizer step, with the same few betas
def flush_interval(decay: float) -> int:
    """How many steps may pass between flushes of a state that decays by ``decay`` a step:
    half the steps it takes to sink from FLUSH_BELOW to the subnormals (β = 0.9: 173 steps,
    so 64; β = 0.5: 13).  β = 0 keeps nothing from step to step and never decays there."""
    if decay <= 0.0:
        return MAX_INTERVAL
    sink = math.log(_TINY / FLUSH_BELOW) / math.log(decay)
    return max(1, min(MAX_INTERVAL, int(sink // 2)))


def flush(values: np.ndarray) -> None:
    """Zero, in place, every value of magnitude below FLUSH_BELOW."""
    np.copyto(values, 0, where=np.abs(values) < values.dtype.type(FLUSH_BELOW))
