"""Optimizer race on 2-D surfaces (the book, ch. 6 §6.1, optimizer_compare_naive.py).

The point (x, y) is one engine ``Parameter``; each step sets its ``grad`` from the analytic
gradient and calls ``opt.step([p])`` of an optimizer from ``OPTIMIZERS`` — the same update
code that trains the networks, not a copy of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..engine.core import Parameter
from ..engine.optimizers import OPTIMIZERS
from .base import rounded
from .common import OptimizerName
from .registry import LabParams, lab

Fn = Callable[[float, float], float]
Grad = Callable[[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Surface:
    name: str
    title: dict[str, str]
    formula: str
    f: Fn
    grad: Grad
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    lrs: dict[str, float]  # defaults that make the race interesting on this surface
    steps: int = 30


def _plateau(x: float, y: float) -> float:
    return 1.0 - np.exp(-(x * x + y * y) / 4.0)


SURFACES: dict[str, Surface] = {
    s.name: s for s in [
        # The book's figure 6-8 .. 6-18: elongated bowl, gradient mostly along y.
        Surface("book", {"ja": "本の関数 x²/20 + y²", "en": "The book's x²/20 + y²"},
                "x^2/20 + y^2", lambda x, y: x * x / 20 + y * y,
                lambda x, y: (x / 10, 2 * y), (-10, 10), (-5, 5), (-7.0, 2.0),
                {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5,
                 "rmsprop": 0.1, "adam": 0.3}),
        # A long curved valley: the minimum (1, 1) is easy to see, hard to reach.
        Surface("rosenbrock", {"ja": "ローゼンブロック関数", "en": "Rosenbrock"},
                "(1-x)^2 + 100(y-x^2)^2",
                lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
                lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
                (-2, 2), (-1, 3), (-1.5, 2.0),
                {"sgd": 0.002, "momentum": 0.001, "nesterov": 0.0007, "adagrad": 0.5,
                 "rmsprop": 0.05, "adam": 0.2}, steps=200),
        # Saddle point at the origin, minima at (0, ±1): a start almost on the ridge shows who
        # escapes (momentum, adaptive rates) and who lingers.
        Surface("saddle", {"ja": "鞍点 x²/2 + y⁴/4 − y²/2", "en": "Saddle x²/2 + y⁴/4 − y²/2"},
                "x^2/2 + y^4/4 - y^2/2",
                lambda x, y: x * x / 2 + y ** 4 / 4 - y * y / 2,
                lambda x, y: (x, y ** 3 - y), (-3, 3), (-2, 2), (-2.5, 0.01),
                {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.5,
                 "rmsprop": 0.05, "adam": 0.1}),
        # Flat far from the centre: the gradient almost vanishes (a plateau), so plain SGD
        # barely moves while the methods that rescale the gradient walk straight in.
        Surface("plateau", {"ja": "プラトー 1 − exp(−(x²+y²)/4)",
                            "en": "Plateau 1 − exp(−(x²+y²)/4)"},
                "1 - exp(-(x^2+y^2)/4)", _plateau,
                lambda x, y: (x / 2 * (1 - _plateau(x, y)), y / 2 * (1 - _plateau(x, y))),
                (-8, 8), (-8, 8), (-5.0, 4.0),
                {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5,
                 "rmsprop": 0.1, "adam": 0.3}),
    ]
}

RACERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
MAX_STEPS = 500
LIMIT = 1e6  # a diverging path stops here instead of overflowing


def run_path(surface: Surface, optimizer: str, lr: float, start: tuple[float, float],
             steps: int) -> list[list[float]]:
    """The points visited by one optimizer, start included (``steps + 1`` points unless it
    diverged).  float64 so the path shows the update rule, not rounding."""
    opt = OPTIMIZERS.create(optimizer, lr=lr)
    p = Parameter(np.array(start, dtype=np.float64), name="xy", decay=False)
    path = [[float(start[0]), float(start[1])]]
    for _ in range(steps):
        gx, gy = surface.grad(float(p.value[0]), float(p.value[1]))
        p.grad = np.array([gx, gy], dtype=np.float64)
        opt.step([p])
        x, y = float(p.value[0]), float(p.value[1])
        if not (np.isfinite(x) and np.isfinite(y)) or max(abs(x), abs(y)) > LIMIT:
            break
        path.append([x, y])
    return path


def contour_grid(surface: Surface, n: int = 120) -> dict[str, Any]:
    xs = np.linspace(*surface.x_range, n)
    ys = np.linspace(*surface.y_range, n)
    gx, gy = np.meshgrid(xs, ys)
    z = np.vectorize(surface.f)(gx, gy)
    return {"x": rounded(xs, 4), "y": rounded(ys, 4), "z": rounded(z, 5)}


Coordinate = Annotated[float, Field(ge=-100, le=100)]


class Params(LabParams):
    surface: Literal[tuple(SURFACES)] = "book"  # type: ignore[valid-type]
    start: tuple[Coordinate, Coordinate] | None = None  # None: the surface's own start
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = None
    # Up to 100: the race's point is to show what a too-large rate does (it diverges).
    lrs: dict[OptimizerName, Annotated[float, Field(gt=0, le=100)]] | None = None
    optimizers: list[OptimizerName] | None = None
    grid: bool = True


@lab("optimizer_race", Params, kind="instant", route="/optimizer-race", section="6.1")
def race(surface: str, start: tuple[float, float] | None, steps: int | None,
         lrs: dict[str, float] | None, optimizers: list[str] | None,
         grid: bool) -> dict[str, Any]:
    """Run every optimizer from the same start; the defaults are the book's figure."""
    s = SURFACES[surface]
    steps = s.steps if steps is None else steps
    chosen = optimizers or RACERS
    rates = {**s.lrs, **(lrs or {})}
    x0, y0 = start if start is not None else s.start
    paths = {name: run_path(s, name, rates[name], (x0, y0), steps) for name in chosen}
    out: dict[str, Any] = {
        "surface": s.name, "formula": s.formula, "start": [x0, y0], "steps": steps,
        "lrs": {n: rates[n] for n in chosen}, "paths": paths,
        "x_range": list(s.x_range), "y_range": list(s.y_range),
        "final_loss": {n: float(s.f(*paths[n][-1])) for n in chosen},
    }
    if grid:
        out["grid"] = contour_grid(s)
    return out


def surfaces() -> list[dict[str, Any]]:
    return [{"name": s.name, "title": s.title, "formula": s.formula, "start": list(s.start),
             "x_range": list(s.x_range), "y_range": list(s.y_range), "lrs": s.lrs, "steps": s.steps}
            for s in SURFACES.values()]
