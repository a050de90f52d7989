"""All of a model's parameters in one buffer, so an optimizer updates them in one go.

An update rule is ten NumPy calls per parameter array, and each call costs about a
microsecond however small the array: TwoLayerNet's three small arrays (b1, W2, b2: 560
numbers) took 21 us of Adam's 89 us a step, the 39,200-weight W1 the rest.  ``pack`` moves
every Parameter's value and gradient into one contiguous buffer each — each Parameter keeps
its own array, now a view of its slice — and ``whole`` gives back a Parameter over the
two buffers, on which the optimizer's rule runs once.

Layers fill ``Parameter.grad`` in place and read ``Parameter.value`` at each call, so they
see no difference.  Code that binds a new array to a Parameter (the optimizer-race lab does,
every step) leaves the pack: ``whole`` then returns None and the optimizer goes parameter by
parameter, as before.
"""

from __future__ import annotations

import numpy as np

from .core import Parameter


class _Pack:
    """The two buffers, the Parameters over them, and a Parameter over all of them."""

    __slots__ = ("params", "whole", "slices", "_decay")

    def __init__(self, params: list[Parameter]) -> None:
        dtype = params[0].value.dtype
        total = sum(p.size for p in params)
        values, grads = np.empty(total, dtype), np.empty(total, dtype)
        self.slices: dict[Parameter, slice] = {}
        offset = 0
        for p in params:
            end = offset + p.size
            self.slices[p] = slice(offset, end)
            values[offset:end] = p.value.ravel()
            grads[offset:end] = p.grad.ravel()
            p.value = values[offset:end].reshape(p.shape)
            p.grad = grads[offset:end].reshape(p.shape)
            p.pack = self
            offset = end
        self.params = tuple(params)
        self.whole = Parameter(values, "all", decay=True)
        self.whole.grad = grads
        self.whole.pack = self  # marks it as a pack's whole (see parts)
        self._decay: np.ndarray | None = None

    @property
    def decay(self) -> np.ndarray:
        """1 where weight decay applies, 0 where not (biases, BatchNorm's gamma and beta).
        Made on first use: only a run with weight decay needs it, and it is as big as the
        weights."""
        if self._decay is None:
            values = self.whole.value
            self._decay = np.zeros(values.size, values.dtype)
            for p, where in self.slices.items():
                self._decay[where] = 1 if p.decay else 0
        return self._decay

    def holds(self, params: list[Parameter]) -> bool:
        """``params`` are this pack's, in its order, each still a view of its buffers."""
        values, grads = self.whole.value, self.whole.grad
        return len(params) == len(self.params) and all(
            p is q and p.value.base is values and p.grad.base is grads
            for p, q in zip(params, self.params, strict=True)
        )


def pack(params: list[Parameter]) -> None:
    """Move the values and gradients of ``params`` into one buffer each (values copied, in
    order).  Parameters of different dtypes, or none, stay as they are."""
    if params and len({p.value.dtype for p in params}) == 1:
        _Pack(params)


def move(packed: _Pack, values: np.ndarray) -> None:
    """Put the pack's values in ``values`` (flat, its size: a second process's shared
    memory, replicas.py), copied, with every Parameter's value a view of it."""
    np.copyto(values, packed.whole.value)
    packed.whole.value = values
    for p, where in packed.slices.items():
        p.value = values[where].reshape(p.shape)


def whole(params: list[Parameter]) -> _Pack | None:
    """The pack of exactly ``params``, or None if they are not (or no longer) one."""
    found = params[0].pack if params else None
    return found if found is not None and found.holds(params) else None


def take_over(states: dict[Parameter, dict], packed: _Pack) -> None:
    """An optimizer's ``states`` (by Parameter) after ``packed`` got its fresh state: the
    states it replaces — of its own Parameters, or of an older pack of theirs (their model
    gained or lost a layer and packed them again) — hand over what they kept for the
    Parameters they share with it, as per-parameter states would have kept it, and go."""
    mine = states[packed.whole]
    for key in list(states):
        shared = [(packed.slices[p], where) for p, where in parts(key) if p in packed.slices]
        if key is packed.whole or not shared:
            continue  # another model's state, or a removed layer's
        for name, old in states.pop(key).items():
            if not isinstance(old, np.ndarray):
                mine[name] = old  # a step count
                continue
            for here, there in shared:
                mine[name][here] = old.reshape(-1)[there]


def parts(key: Parameter) -> list[tuple[Parameter, slice]]:
    """What an optimizer state kept under ``key`` covers: each Parameter with its slice of
    the state's flattened arrays (all of it for a Parameter, one slice each for a pack's
    whole)."""
    pack = key.pack
    if pack is None or pack.whole is not key:
        return [(key, slice(None))]
    return list(pack.slices.items())
