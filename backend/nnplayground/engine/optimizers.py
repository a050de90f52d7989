"""Optimizers: SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam (the book's ch. 6 formulations).

``Optimizer`` does the shared work (argument checks, per-Parameter state — one state for a
model's whole buffer when its parameters share one, see flat.py — L2 weight decay, a
learning rate that may change between steps, decaying state kept out of the subnormals, see
subnormal.py); each subclass writes only ``update``, the rule
itself, in place on ``param.value`` and in the parameter's own dtype.  Notation in the
docstrings: W parameter, g gradient (after weight decay), η learning rate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import flat, parallel, subnormal
from ._hyperparameters import check_number, positive, unit_interval
from .core import Parameter
from .registry import Registry

OPTIMIZERS = Registry("optimizer")

State = dict[str, Any]


def _scaled_ratio(lr: float, num: np.ndarray, sq: np.ndarray, eps: float) -> np.ndarray:
    """lr·num / (√sq + ε), reusing one temporary (these rules run on every weight, every step)."""
    out = np.sqrt(sq)
    out += eps
    np.divide(num, out, out=out)
    out *= lr
    return out


class Optimizer:
    """Base class.  ``step(params)`` applies ``update`` to every Parameter.

    Per-parameter state (velocities, squared-gradient sums, step counts) lives in
    ``self.state[param]``: keyed by the Parameter object itself, so no string names are needed
    and two models never share state.
    """

    registry_name: str = ""

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0) -> None:
        self.lr = lr  # validated by the property setter
        wd = check_number("weight_decay", weight_decay)
        if wd < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        self.weight_decay = wd
        self.state: dict[Parameter, State] = {}
        self.iterations = 0  # Keras's name: step() calls so far

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        # Read at every step, so a new value takes effect on the next update.
        self._lr = positive("lr", value)

    # Keras's name for the same number: ``opt.learning_rate = 1e-4`` changes the next step.
    learning_rate = lr

    def hyperparameters(self) -> dict[str, float]:
        """Rule-specific constructor arguments (beyond lr and weight_decay)."""
        return {}

    def get_config(self) -> dict[str, Any]:
        return {
            "name": type(self).registry_name,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            **self.hyperparameters(),
        }

    def step(self, params: list[Parameter]) -> None:
        packed = flat.whole(params)
        if packed is None:
            for param in params:
                self._step_one(param, self._state(param))
        else:  # one buffer for all of them: the rule runs once
            self._step_one(packed.whole, self._pack_state(packed),
                           packed.decay if self.weight_decay else None)
        self.iterations += 1
        decays = self.decays()
        if decays and self.iterations % min(map(subnormal.flush_interval, decays.values())) == 0:
            for state in self.state.values():
                for key in decays:
                    subnormal.flush(state[key])

    def _step_one(self, param: Parameter, state: State, mask: np.ndarray | None = None) -> None:
        grad = param.grad
        if self.weight_decay and param.decay:
            # d/dW of 0.5·λ·ΣW² is λ·W; a new array so param.grad stays the pure loss gradient.
            penalty = self.weight_decay * param.value
            if mask is not None:
                penalty *= mask  # a pack's: 0 on its biases
            grad = grad + penalty
        self.update(param, grad, state)

    def _state(self, param: Parameter) -> State:
        state = self.state.get(param)
        if state is None:
            state = self.state[param] = self.init_state(param)
        return state

    def _pack_state(self, packed: Any) -> State:
        state = self.state.get(packed.whole)
        if state is None:  # a new pack takes over what older states kept (flat.take_over)
            state = self.state[packed.whole] = self.init_state(packed.whole)
            flat.take_over(self.state, packed)
        return state

    def decays(self) -> dict[str, float]:
        """The state arrays that shrink geometrically while their gradient is zero, and by
        what factor a step: ``step`` keeps them out of the subnormals (see subnormal.py)."""
        return {}

    def init_state(self, param: Parameter) -> State:
        return {}

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all per-parameter state (e.g. after loading new weights)."""
        self.state.clear()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


@OPTIMIZERS.register("sgd")
class SGD(Optimizer):
    """W ← W − η·g"""

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        param.value -= self.lr * grad


@OPTIMIZERS.register("momentum")
class Momentum(Optimizer):
    """v ← α·v − η·g ;  W ← W + v   (v starts at 0; α = momentum)"""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.momentum = unit_interval("momentum", momentum)

    def hyperparameters(self) -> dict[str, float]:
        return {"momentum": self.momentum}

    def init_state(self, param: Parameter) -> State:
        return {"v": np.zeros_like(param.value)}

    def decays(self) -> dict[str, float]:
        return {"v": self.momentum}

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        v = state["v"]
        v *= self.momentum
        v -= self.lr * grad
        param.value += v


@OPTIMIZERS.register("nesterov")
class Nesterov(Momentum):
    """The book's Nesterov form (momentum applied to the look-ahead point); same state and
    hyperparameters as Momentum, only the update differs:

    v ← α·v − η·g ;  W ← W + α²·v − (1 + α)·η·g
    """

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        a = self.momentum
        v = state["v"]
        v *= a
        v -= self.lr * grad
        param.value += (a * a) * v
        param.value -= ((1.0 + a) * self.lr) * grad


@OPTIMIZERS.register("adagrad")
class AdaGrad(Optimizer):
    """h ← h + g⊙g ;  W ← W − η·g / (√h + ε)   (ε = 1e-7 as in the book)"""

    def __init__(self, lr: float = 0.01, eps: float = 1e-7, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.eps = positive("eps", eps)

    def hyperparameters(self) -> dict[str, float]:
        return {"eps": self.eps}

    def init_state(self, param: Parameter) -> State:
        return {"h": np.zeros_like(param.value)}

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        h = state["h"]
        h += grad * grad
        param.value -= _scaled_ratio(self.lr, grad, h, self.eps)


@OPTIMIZERS.register("rmsprop")
class RMSprop(Optimizer):
    """h ← ρ·h + (1 − ρ)·g⊙g ;  W ← W − η·g / (√h + ε)   (ρ = decay_rate)"""

    def __init__(
        self,
        lr: float = 0.01,
        decay_rate: float = 0.99,
        eps: float = 1e-7,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.decay_rate = unit_interval("decay_rate", decay_rate)
        self.eps = positive("eps", eps)

    def hyperparameters(self) -> dict[str, float]:
        return {"decay_rate": self.decay_rate, "eps": self.eps}

    def init_state(self, param: Parameter) -> State:
        return {"h": np.zeros_like(param.value)}

    def decays(self) -> dict[str, float]:
        return {"h": self.decay_rate}

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        h = state["h"]
        h *= self.decay_rate
        h += (1.0 - self.decay_rate) * (grad * grad)
        param.value -= _scaled_ratio(self.lr, grad, h, self.eps)


@OPTIMIZERS.register("adam")
class Adam(Optimizer):
    """Adam with the book's folded bias correction (t = this parameter's step count, from 1):

    m ← m + (1 − β1)·(g − m) ;  v ← v + (1 − β2)·(g⊙g − v)
    η_t = η·√(1 − β2^t) / (1 − β1^t) ;  W ← W − η_t·m / (√v + ε)

    Kept in the state as m̃ = m / (1 − β1) and ṽ = v / (1 − β2), the same rule reads

    m̃ ← β1·m̃ + g ;  ṽ ← β2·ṽ + g⊙g ;  W ← W − η_t·(1 − β1)/√(1 − β2) · m̃ / (√ṽ + ε/√(1 − β2))

    which is 10 passes over the weights instead of 12 (measured on one core, 39 K / 432 K
    weights: 50 -> 44 and 1,128 -> 861 us).  ``moments(param)`` gives back m and v.
    """

    # Weights below this many elements update on one core.  Each of the rule's ten calls
    # takes the GIL again, so two threads mostly wait on each other: measured on a 2-core
    # AVX-512 VM, one core / two threads, 78 K weights 88 / 253 us, 150 K 214 / 316 us,
    # 262 K 389 / 428 us, 300 K 501 / 465 us, 432 K 861 / 570 us.
    MIN_SPLIT = 280_000

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-7,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.beta1 = unit_interval("beta1", beta1)
        self.beta2 = unit_interval("beta2", beta2)
        self.eps = positive("eps", eps)

    def hyperparameters(self) -> dict[str, float]:
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def init_state(self, param: Parameter) -> State:
        return {"t": 0, "m_scaled": np.zeros_like(param.value),
                "v_scaled": np.zeros_like(param.value), "scratch": np.empty_like(param.value)}

    def decays(self) -> dict[str, float]:
        return {"m_scaled": self.beta1, "v_scaled": self.beta2}

    def moments(self, param: Parameter) -> tuple[np.ndarray, np.ndarray]:
        """The book's m and v of ``param`` (copies; zeros before its first step)."""
        state, where = self.state.get(param), slice(None)
        pack = param.pack
        if state is None and pack is not None and pack.whole in self.state:
            state, where = self.state[pack.whole], pack.slices[param]
        if state is None:
            return np.zeros_like(param.value), np.zeros_like(param.value)
        m, v = (state[k].reshape(-1)[where].reshape(param.shape) for k in ("m_scaled", "v_scaled"))
        return (1.0 - self.beta1) * m, (1.0 - self.beta2) * v

    def update(self, param: Parameter, grad: np.ndarray, state: State) -> None:
        state["t"] += 1
        t = state["t"]
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        root = math.sqrt(1.0 - self.beta2)
        b1, b2 = self.beta1, self.beta2
        scale, eps = lr_t * (1.0 - b1) / root, self.eps / root

        def rule(g: np.ndarray, m: np.ndarray, v: np.ndarray, w: np.ndarray,
                 tmp: np.ndarray) -> None:
            # The scaled formulas above, in place through one scratch array: no
            # temporaries (a SimpleConvNet step made five 1.7 MB ones here).
            m *= b1
            m += g
            np.multiply(g, g, out=tmp)
            v *= b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= scale
            w -= tmp

        parallel.elementwise(rule, np.ascontiguousarray(grad), state["m_scaled"],
                             state["v_scaled"], param.value, state["scratch"],
                             parts=parallel.enabled() and param.value.size >= self.MIN_SPLIT)
