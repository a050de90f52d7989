"""Where our training step spends its time: per layer (``--profile``) and per NumPy call
(``--cprofile``) for bench_engine.py."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from typing import Any

import numpy as np

from bench_engine import Batches, build, preset, shaped


def profile_net(name: str, x: np.ndarray, y: np.ndarray, steps: int) -> None:
    """Per-layer forward/backward time of our step, by wrapping each layer's methods (in
    the model's process: a step shared with a second process times its own half)."""
    spec = preset(name)["spec"]
    model = build(spec)
    batches = Batches(shaped(x, spec), y)
    totals: dict[tuple[int, str, str], float] = defaultdict(float)

    def wrap(obj: Any, method: str, key: tuple[int, str, str]) -> None:
        inner = getattr(obj, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            result = inner(*args, **kwargs)
            totals[key] += time.perf_counter() - t0
            return result

        setattr(obj, method, timed)

    # One step first: a step shared with a second process sends it the loss, pickled, and
    # a loss with wrapped methods does not pickle: the model would then train alone, in
    # one process (SimpleConvNet 13 ms a step, its pool 4.2 ms instead of 0.7).
    model.train_step(*batches.next())
    for i, layer in enumerate(model.layers):
        kind = type(layer).__name__
        wrap(layer, "forward", (i, kind, "forward"))
        wrap(layer, "backward", (i, kind, "backward"))
    n = len(model.layers)
    wrap(model.loss, "forward", (n, "loss", "forward"))
    wrap(model.loss, "backward", (n, "loss", "backward"))
    wrap(model.optimizer, "step", (n + 1, "optimizer", "step"))
    for _ in range(5):
        model.train_step(*batches.next())
    totals.clear()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.train_step(*batches.next())
    wall = (time.perf_counter() - t0) * 1e3 / steps
    rows: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for (i, kind, phase), seconds in totals.items():
        rows[(i, kind)][phase] = seconds * 1e3 / steps
    print(f"\n  profile {name}: {wall:.2f} ms/step (wrapped), per step:")
    print(f"  {'#':>3} {'layer':<14} {'forward ms':>11} {'backward ms':>12} {'share':>6}")
    accounted = 0.0
    for (i, kind), phases in sorted(rows.items()):
        total = sum(phases.values())
        accounted += total
        fwd = phases.get("forward", phases.get("step", 0.0))
        bwd = phases.get("backward", 0.0)
        print(f"  {i:>3} {kind:<14} {fwd:>11.3f} {bwd:>12.3f} {total / wall:>6.1%}")
    print(f"      {'other (checks, glue)':<26} {wall - accounted:>12.3f} "
          f"{(wall - accounted) / wall:>6.1%}")
    by_type: dict[str, float] = defaultdict(float)
    for (_, kind), phases in rows.items():
        by_type[kind] += sum(phases.values())
    print("  by type: " + ", ".join(f"{k} {v:.2f} ms" for k, v in
                                    sorted(by_type.items(), key=lambda kv: -kv[1])))


def cprofile_net(name: str, x: np.ndarray, y: np.ndarray, steps: int) -> None:
    """cProfile of our steps: the NumPy calls that cost most, by their own time."""
    import cProfile
    import pstats

    spec = preset(name)["spec"]
    model = build(spec)
    batches = Batches(shaped(x, spec), y)
    model.train_step(*batches.next())
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        model.train_step(*batches.next())
    profiler.disable()
    print(f"\n  cProfile {name}, {steps} steps, top 12 by own time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)
