"""Time one training step (batch 100, float32, Adam) of the book's nets, ours vs PyTorch.

    python benchmarks/bench_engine.py [--steps 60] [--rounds 3] [--profile] [--no-torch]

Both frameworks run the same spec (the torch twin is translated from it) on the same MNIST
batches, interleaved in rounds so that load from other processes hits both alike.  The
figure is the median per-step wall time after warm-up; the verdict compares ours/torch with
the targets of issue 2.  ``--profile`` adds where our step spends its time, per layer
(forward and backward), loss and optimizer.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from nnplayground.engine import OPTIMIZERS, PRESETS, Sequential
from nnplayground.engine.data import load_mnist
from nnplayground.engine.data import mnist as mnist_module

# Target ratios ours/torch from issue 2.
TARGETS = {"two_layer_net": 1.0, "simple_conv_net": 2.0, "deep_conv_net": 2.5}
BATCH = 100


# ---- helpers shared with time_to_accuracy.py ------------------------------------------------
def preset(name: str) -> dict[str, Any]:
    """A fresh preset dict: {"name", "title", "spec", "training": {...}, ...}."""
    return PRESETS.create(name)


def build(spec: dict[str, Any], optimizer: dict[str, Any] | None = None, seed: int = 0,
          loss: str = "softmax_cross_entropy", weight_decay: float = 0.0) -> Sequential:
    model = Sequential.from_config(spec, rng=np.random.default_rng(seed))
    config = dict(optimizer or {"name": "adam", "lr": 1e-3})
    if weight_decay:
        config["weight_decay"] = weight_decay
    opt = OPTIMIZERS.create(config)
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
    return model


def shaped(x: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Flat (N, 784) rows reshaped to the spec's per-sample input shape."""
    return np.ascontiguousarray(x.reshape(len(x), *spec["input_shape"]))


def environment() -> list[str]:
    lines = [f"python {platform.python_version()}  numpy {np.__version__}  "
             f"cpus {os.cpu_count()}  {platform.machine()}"]
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        lines.append(f"numpy BLAS: {blas.get('name')} {blas.get('version')} "
                     f"{blas.get('openblas configuration', '')}".rstrip())
    except (TypeError, KeyError, AttributeError):
        lines.append("numpy BLAS: unknown (np.show_config has no dict mode)")
    try:
        from threadpoolctl import threadpool_info
        lines += [f"threadpool {p.get('internal_api')}: threads={p.get('num_threads')} "
                  f"arch={p.get('architecture')}" for p in threadpool_info()]
    except ImportError:
        lines.append("threadpoolctl not installed: BLAS thread count not shown")
    env = {k: v for k, v in sorted(os.environ.items())
           if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    lines.append(f"env: {env or 'no OPENBLAS_/OMP_/MKL_ variables'}")
    return lines


def timed_ms(fn: Callable[[], Any], calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


# ---- the benchmark ------------------------------------------------------------------------
class Batches:
    """Cycles through fixed MNIST batches so every step sees new data of the same size."""

    def __init__(self, x: np.ndarray, y: np.ndarray, n_batches: int = 20) -> None:
        self.x = [x[i * BATCH:(i + 1) * BATCH] for i in range(n_batches)]
        self.y = [y[i * BATCH:(i + 1) * BATCH] for i in range(n_batches)]
        self.i = 0

    def next(self) -> tuple[Any, Any]:
        self.i = (self.i + 1) % len(self.x)
        return self.x[self.i], self.y[self.i]


def mnist_load_times() -> tuple[float, float]:
    mnist_module._load_raw.cache_clear()  # cold in-process cache (the OS file cache is warm)
    t0 = time.perf_counter()
    load_mnist()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_mnist()
    return cold, time.perf_counter() - t0


def bench_net(name: str, x: np.ndarray, y: np.ndarray, steps: int, rounds: int,
              warmup: int, use_torch: bool) -> tuple[list[float], list[float]]:
    """Per-step times in ms of ours and of torch (empty without torch)."""
    spec = preset(name)["spec"]
    model = build(spec)
    ours = Batches(shaped(x, spec), y)

    def our_step() -> None:
        model.train_step(*ours.next())

    torch_step = None
    if use_torch:
        import torch

        from _torch_nets import TorchStep
        twin = TorchStep(spec)
        theirs = Batches(torch.from_numpy(shaped(x, spec)), torch.from_numpy(y))

        def torch_step() -> None:
            twin(*theirs.next())

    timed_ms(our_step, warmup)
    if torch_step:
        timed_ms(torch_step, warmup)
    our_ms: list[float] = []
    torch_ms: list[float] = []
    per_round = max(1, steps // rounds)
    for _ in range(rounds):
        our_ms += timed_ms(our_step, per_round)
        if torch_step:
            torch_ms += timed_ms(torch_step, per_round)
    return our_ms, torch_ms


def profile_net(name: str, x: np.ndarray, y: np.ndarray, steps: int) -> None:
    """Per-layer forward/backward time of our step, by wrapping each layer's methods."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="timed steps per net and side")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved ours/torch rounds")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--nets", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--no-torch", action="store_true", help="time our engine only")
    parser.add_argument("--profile", action="store_true", help="per-layer time breakdown")
    parser.add_argument("--cprofile", action="store_true", help="top functions by own time")
    args = parser.parse_args(argv)

    for line in environment():
        print(line)
    use_torch = not args.no_torch
    if use_torch:
        try:
            import torch
        except ImportError:
            print("torch not importable: timing our engine only")
            use_torch = False
        else:
            torch.set_num_threads(2)
            print(f"torch {torch.__version__}  threads={torch.get_num_threads()}")
    cold, warm = mnist_load_times()
    print(f"MNIST load: {cold:.3f} s cold (decompress + SHA-256 + decode), "
          f"{warm:.3f} s cached")

    (x, y), _ = load_mnist()
    x, y = x[:20 * BATCH], y[:20 * BATCH]
    print(f"\nstep = forward + backward + Adam update, batch {BATCH}, float32; "
          f"median of {args.steps} steps")
    print("(min = best step: less disturbed by other processes on a shared machine)")
    print(f"{'net':<16} {'ours ms':>8} {'torch ms':>9} {'ratio':>6} {'min ours':>9} "
          f"{'min torch':>9} {'ratio':>6} {'target':>6}  verdict (median ratio)")
    for name in args.nets:
        ours, theirs = bench_net(name, x, y, args.steps, args.rounds, args.warmup, use_torch)
        med, best = statistics.median(ours), min(ours)
        if not theirs:
            print(f"{name:<16} {med:>8.2f} {'-':>9} {'-':>6} {best:>9.2f} {'-':>9} {'-':>6} "
                  f"{TARGETS[name]:>6.1f}  (no torch)")
            continue
        t_med, t_best = statistics.median(theirs), min(theirs)
        verdict = "PASS" if med / t_med <= TARGETS[name] else "MISS"
        print(f"{name:<16} {med:>8.2f} {t_med:>9.2f} {med / t_med:>6.2f} {best:>9.2f} "
              f"{t_best:>9.2f} {best / t_best:>6.2f} {TARGETS[name]:>6.1f}  {verdict}",
              flush=True)
    if args.profile:
        for name in args.nets:
            profile_net(name, x, y, max(10, args.steps // 2))
    if args.cprofile:
        for name in args.nets:
            cprofile_net(name, x, y, max(10, args.steps // 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
