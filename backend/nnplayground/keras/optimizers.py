"""``keras.optimizers``: Keras's classes and defaults on the engine's update rules.

Keras's argument names (``learning_rate``, ``beta_1``, ``rho``, ``epsilon``) and defaults
(RMSprop 0.001 / rho 0.9, Adam 0.001, SGD 0.01) apply here and to the string names given to
``compile``; ``lr`` is accepted as Keras 2 did.  The rules are the book's (ch. 6): Adagrad's
accumulator starts at 0 (Keras: 0.1), and ``SGD(nesterov=True)`` is the book's Nesterov.
"""

from __future__ import annotations

from typing import Any

from ..engine import optimizers as _opt


def _rate(learning_rate: float | None, lr: float | None, default: float) -> float:
    if learning_rate is not None and lr is not None:
        raise ValueError("give learning_rate or lr, not both")
    if learning_rate is None and lr is None:
        return default
    return learning_rate if learning_rate is not None else lr


def _no_weight_decay(weight_decay: Any) -> float:
    return 0.0 if weight_decay is None else weight_decay


class SGD(_opt.SGD):
    """Plain SGD; with ``momentum`` > 0 the engine's Momentum (or Nesterov) rule."""

    def __new__(cls, learning_rate: float | None = None, momentum: float = 0.0,
                nesterov: bool = False, weight_decay: float | None = None,
                lr: float | None = None, **ignored: Any) -> Any:
        if momentum or nesterov:
            rule = _opt.Nesterov if nesterov else _opt.Momentum
            return rule(lr=_rate(learning_rate, lr, 0.01), momentum=momentum,
                        weight_decay=_no_weight_decay(weight_decay))
        return super().__new__(cls)

    def __init__(self, learning_rate: float | None = None, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float | None = None,
                 lr: float | None = None, name: str | None = None) -> None:
        super().__init__(lr=_rate(learning_rate, lr, 0.01),
                         weight_decay=_no_weight_decay(weight_decay))


class RMSprop(_opt.RMSprop):
    def __init__(self, learning_rate: float | None = None, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 weight_decay: float | None = None, lr: float | None = None,
                 name: str | None = None) -> None:
        if momentum or centered:
            raise ValueError("RMSprop: momentum and centered are not supported here")
        super().__init__(lr=_rate(learning_rate, lr, 0.001), decay_rate=rho, eps=epsilon,
                         weight_decay=_no_weight_decay(weight_decay))


class Adam(_opt.Adam):
    def __init__(self, learning_rate: float | None = None, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 weight_decay: float | None = None, lr: float | None = None,
                 name: str | None = None) -> None:
        if amsgrad:
            raise ValueError("Adam: amsgrad is not supported here")
        super().__init__(lr=_rate(learning_rate, lr, 0.001), beta1=beta_1, beta2=beta_2,
                         eps=epsilon, weight_decay=_no_weight_decay(weight_decay))


class Adagrad(_opt.AdaGrad):
    def __init__(self, learning_rate: float | None = None,
                 initial_accumulator_value: float = 0.0, epsilon: float = 1e-7,
                 weight_decay: float | None = None, lr: float | None = None,
                 name: str | None = None) -> None:
        if initial_accumulator_value:
            raise ValueError("Adagrad: the accumulator starts at 0 here (the book's rule); "
                             "initial_accumulator_value must be 0.0")
        super().__init__(lr=_rate(learning_rate, lr, 0.001), eps=epsilon,
                         weight_decay=_no_weight_decay(weight_decay))


KERAS_DEFAULTS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}


def get(identifier: Any) -> Any:
    """A name (Keras's defaults for sgd/rmsprop/adam/adagrad; the book's for momentum and
    nesterov), a config dict or an optimizer object -> an engine optimizer."""
    if isinstance(identifier, str) and identifier.lower() in KERAS_DEFAULTS:
        return KERAS_DEFAULTS[identifier.lower()]()
    return _opt.OPTIMIZERS.create(identifier)
