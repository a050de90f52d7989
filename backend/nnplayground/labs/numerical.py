"""Learning from data with numerical gradients (the book, ch. 4).

``derivative`` (§4.3, gradient_1d.py): forward vs central differences of
f(x) = 0.01x² + 0.1x against the step h, in float64 and float32, and the rounding trap of
h = 1e-50 (np.float32(1e-50) is 0.0, so x + h == x and the "derivative" is 0).
``descent`` (§4.4, gradient_2d.py / gradient_method.py): the gradient field of x0² + x1²
(figure 4-9) and gradient descent on it from (−3, 4) with a too small, a good and a too
large learning rate (figure 4-10).  Both use the book's central difference, h = 1e-4.
``numerical_training`` (§4.5, train_neuralnet.py): TwoLayerNet trained with numerical
gradients vs backpropagation, with the time of each step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from ..engine.gradcheck import numerical_gradient as numerical_gradient_of
from ..engine.model import Sequential
from .base import QUIET, Hooks, rounded
from .common import Seed, compile_classifier, mnist_subset
from .registry import LabParams, lab

H = 1e-4  # the book's numerical_diff / numerical_gradient step
# lr 10 multiplies x by −19 per step.  The book runs all 100 steps anyway and ends at
# (−2.58983747e13, −1.29524862e12): past ~1e12 the step h = 1e-4 is below the spacing of the
# float64 numbers around x, so x ± h == x, the numerical gradient is 0 and x stops.  We do
# the same (and so print the book's number); a path is "diverged" once it is this far out.
DIVERGED = 1e6


def f1(x: Any) -> Any:
    return 0.01 * x**2 + 0.1 * x


def f2(x: np.ndarray) -> float:
    return float(np.sum(x**2))


def numerical_diff(f: Callable[[Any], Any], x: Any, h: Any = H) -> Any:
    """Central difference (f(x+h) − f(x−h)) / 2h, in the type of ``x`` and ``h``."""
    return (f(x + h) - f(x - h)) / (2 * h)


def forward_diff(f: Callable[[Any], Any], x: Any, h: Any) -> Any:
    return (f(x + h) - f(x)) / h


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """The book's numerical_gradient: one central difference per coordinate."""
    grad = np.zeros_like(x)
    for i in range(x.size):
        saved = x[i]
        x[i] = saved + H
        up = f(x)
        x[i] = saved - H
        down = f(x)
        x[i] = saved
        grad[i] = (up - down) / (2 * H)
    return grad


class DiffParams(LabParams):
    x: Annotated[float, Field(ge=-100, le=100)] = 5.0
    h_min_exp: Annotated[int, Field(ge=-16, le=-2)] = -12


@lab("numerical_diff", DiffParams, kind="instant", route="/numerical/diff", section="4.3")
def derivative(x: float, h_min_exp: int) -> dict[str, Any]:
    exact = 0.02 * x + 0.1
    hs = [10.0**e for e in range(-1, h_min_exp - 1, -1)]
    errors: dict[str, list[float]] = {}
    for name, rule in (("forward", forward_diff), ("central", numerical_diff)):
        for dtype in (np.float64, np.float32):
            key = f"{name}_{np.dtype(dtype).name}"
            errors[key] = [float(abs(float(rule(f1, dtype(x), dtype(h))) - exact)) for h in hs]
    # The book's "bad" numerical_diff (h = 10e-50): in float32 h itself rounds to 0.0; in
    # float64 h survives but x + h == x, so the difference, and the "derivative", is 0.
    trap = {"h": 1e-50, "float32_h": float(np.float32(1e-50)),
            "x_plus_h_equals_x": bool(x + 1e-50 == x),
            "derivative": float((f1(x + 1e-50) - f1(x)) / 1e-50)}
    tangent = {"x": x, "slope": float(numerical_diff(f1, x)), "intercept":
               float(f1(x) - numerical_diff(f1, x) * x)}
    grid = np.linspace(0.0, 20.0, 201)
    return {"x": x, "exact": exact, "h": hs, "errors": errors,
            "central": float(numerical_diff(f1, x)), "forward": float(forward_diff(f1, x, H)),
            "at_5": float(numerical_diff(f1, 5.0)), "at_10": float(numerical_diff(f1, 10.0)),
            "trap": trap,
            "curve": {"x": rounded(grid, 3), "y": rounded(f1(grid), 5)}, "tangent": tangent}


class DescentParams(LabParams):
    start: tuple[Annotated[float, Field(ge=-10, le=10)],
                 Annotated[float, Field(ge=-10, le=10)]] = (-3.0, 4.0)
    lrs: Annotated[list[Annotated[float, Field(gt=0, le=100)]],
                   Field(min_length=1, max_length=5)] = [1e-10, 0.1, 10.0]
    steps: Annotated[int, Field(ge=1, le=1000)] = 100


@lab("gradient_descent", DescentParams, kind="instant", route="/numerical/descent",
     section="4.4")
def descent(start: tuple[float, float], lrs: list[float], steps: int) -> dict[str, Any]:
    axis = np.arange(-2.0, 2.5, 0.25)
    field = [(float(a), float(b), *(-numerical_gradient(f2, np.array([a, b]))).tolist())
             for b in axis for a in axis]
    paths = []
    for lr in lrs:
        x = np.array(start, dtype=np.float64)
        points = [x.tolist()]
        for _ in range(steps):
            x = x - lr * numerical_gradient(f2, x)
            points.append(x.tolist())
        diverged = bool(not np.all(np.isfinite(x)) or np.abs(x).max() > DIVERGED)
        paths.append({"lr": lr, "points": points, "final": points[-1], "diverged": diverged,
                      "steps": len(points) - 1})
    return {"start": list(start), "steps": steps, "paths": paths,
            "field": {"x": [p[0] for p in field], "y": [p[1] for p in field],
                      "u": [p[2] for p in field], "v": [p[3] for p in field]}}


class TrainParams(LabParams):
    hidden: Annotated[int, Field(ge=1, le=100)] = 50
    train_size: Annotated[int, Field(ge=10, le=1000)] = 100
    batch_size: Annotated[int, Field(ge=1, le=100)] = 10
    steps: Annotated[int, Field(ge=1, le=20)] = 2
    lr: Annotated[float, Field(gt=0, le=10)] = 0.1
    seed: Seed = 0


def _two_layer_net(hidden: int, lr: float, seed: int) -> Sequential:
    # The book's TwoLayerNet (§4.5): 784 → hidden sigmoid → 10, weights N(0, 0.01²), in
    # float64 as the book computes (central differences need the digits).
    spec = {"name": "TwoLayerNet", "input_shape": [784], "layers": [
        {"type": "dense", "units": hidden, "init": {"name": "normal", "std": 0.01}},
        {"type": "sigmoid"},
        {"type": "dense", "units": 10, "init": {"name": "normal", "std": 0.01}}]}
    model = Sequential.from_config(spec, rng=np.random.default_rng(seed), dtype=np.float64)
    return compile_classifier(model, "sgd", lr)


@lab("numerical_vs_backprop", TrainParams, section="4.5")
def numerical_training(hidden: int, train_size: int, batch_size: int, steps: int, lr: float,
                       seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    """TwoLayerNet trained ``steps`` SGD steps twice from the same weights on the same
    batches: with the book's numerical_gradient (two forward passes per weight) and with
    backpropagation.  Same losses, very different time per step (the point of §4.5 / ch. 5)."""
    x, y, _, _ = mnist_subset(train_size)
    x = x.astype(np.float64)
    nets = {name: _two_layer_net(hidden, lr, seed) for name in ("numerical", "backprop")}
    params = nets["numerical"].parameters()
    rng = np.random.default_rng(seed)
    batches = [rng.choice(len(x), batch_size) for _ in range(steps)]
    curves: dict[str, dict[str, list[float]]] = {n: {"loss": [], "seconds": []} for n in nets}
    for method, model in nets.items():
        for step, idx in enumerate(batches, 1):
            if hooks.stopped():
                break
            xb, yb = x[idx], y[idx]
            t0 = time.perf_counter()
            if method == "numerical":
                def loss_now(xb: np.ndarray = xb, yb: np.ndarray = yb,
                             model: Sequential = model) -> float:
                    return float(model.loss.forward(model.predict(xb, batch_size=len(xb)), yb))

                loss = loss_now()
                for p in params:
                    p.grad[...] = numerical_gradient_of(loss_now, p.value, eps=H)
                model.optimizer.step(params)
            else:
                loss = float(model.train_step(xb, yb))
            seconds = time.perf_counter() - t0
            curves[method]["loss"].append(loss)
            curves[method]["seconds"].append(seconds)
            hooks.report({"method": method, "step": step, "steps": steps, "loss": loss,
                          "seconds": seconds})
    per_step = {n: float(np.mean(c["seconds"])) if c["seconds"] else float("nan")
                for n, c in curves.items()}
    return {"curves": curves, "seconds_per_step": per_step,
            "ratio": per_step["numerical"] / per_step["backprop"]
            if curves["backprop"]["seconds"] else float("nan"),
            "parameters": int(sum(p.value.size for p in params)), "batch_size": batch_size}
