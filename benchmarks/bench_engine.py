"""Time one training step (batch 100, float32, Adam) of the book's nets, ours vs PyTorch.

    python benchmarks/bench_engine.py [--steps 60] [--rounds 3] [--profile] [--no-torch]

Both frameworks run the same spec (the torch twin is translated from it) on the same MNIST
batches, interleaved in rounds so that load from other processes hits both alike.  The
figure is the median per-step wall time after warm-up; the verdict compares ours/torch with
the targets of issue 14.  The book's own NumPy code (loaded by path, see _book_nets.py) is
timed in the same rounds and printed as book / ours.  Then single-image inference (what the
draw pad calls) ours vs torch.  ``--profile`` adds where our step spends its time, per layer
(forward and backward), loss and optimizer.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnplayground.engine import OPTIMIZERS, PRESETS, Sequential, blas, parallel, replicas
from nnplayground.engine.data import load_mnist
from nnplayground.engine.data import mnist as mnist_module

# Target ratios ours/torch (training step) from issue 14, and book/ours for the conv nets.
TARGETS = {"two_layer_net": 0.5, "simple_conv_net": 0.8, "deep_conv_net": 1.0}
BOOK_TARGET = 10.0
BATCH = 100
# Idle time before each side's block of steps.  OpenBLAS's worker threads spin for 2**28
# cycles (about 0.1 s) after their last call before they sleep, and torch's OpenMP threads
# spin too; a block started at once runs beside them.  Measured: our first six
# SimpleConvNet steps after the book's round took 15-21 ms against 7-8 ms after them, and
# with OPENBLAS_THREAD_TIMEOUT=4 (spin 16 cycles) the slow first steps were gone.
SETTLE_S = 0.3
# A round's steps of one side run for at least this long.  After the settle both sides'
# worker threads start cold, and on this 2-core VM their GEMMs stay slow for a while (the
# host seems to spread the two vCPUs again only under sustained load): TwoLayerNet's 20
# steps of a round took 6-8 ms, all of them in that spell (ours 0.40-0.49 ms a step,
# torch 0.77-0.88), while an epoch runs 600 steps back to back (0.30 and 0.58 in rounds
# of 500 steps).  The conv nets' rounds already last longer than this.
BLOCK_S = 0.25


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
        built = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        lines.append(f"numpy BLAS: {built.get('name')} {built.get('version')} "
                     f"{built.get('openblas configuration', '')}".rstrip())
    except (TypeError, KeyError, AttributeError):
        lines.append("numpy BLAS: unknown (np.show_config has no dict mode)")
    lines.append(f"OpenBLAS kernels in use: {blas.core_name()} (the build line above names "
                 "the build's target; OPENBLAS_CORETYPE overrides this)")
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


def timed_ms(fn: Callable[[], Any], calls: int, seconds: float = 0.0) -> list[float]:
    """``calls`` timed calls after the settle, and more until ``seconds`` have passed."""
    time.sleep(SETTLE_S)  # the previous block's spinning BLAS/OpenMP threads go to sleep
    out: list[float] = []
    end = time.perf_counter() + seconds
    while len(out) < calls or time.perf_counter() < end:
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


def bench_net(name: str, x: np.ndarray, y: np.ndarray, args: argparse.Namespace,
              use_torch: bool, use_book: bool) -> tuple[dict[str, list[float]], list[int]]:
    """Per-step times in ms: {"ours", "torch", "book"} (the last two only when asked), and
    the OpenBLAS thread count each of our Conv2D/Dense layers settled on (blas.ThreadChoice)."""
    spec = preset(name)["spec"]
    model = build(spec)
    ours = Batches(shaped(x, spec), y)
    steps: dict[str, Callable[[], Any]] = {"ours": lambda: model.train_step(*ours.next())}
    if use_torch:
        import torch

        from _torch_nets import TorchStep
        twin = TorchStep(spec)
        theirs = Batches(torch.from_numpy(shaped(x, spec)), torch.from_numpy(y))
        steps["torch"] = lambda: twin(*theirs.next())
    if use_book:
        from _book_nets import book_step
        book = book_step(name)
        pages = Batches(shaped(x, spec), y)

        def book_with_default_threads() -> None:
            blas.reset()  # the book's code runs with NumPy's own BLAS threads, as published
            book(*pages.next())

        steps["book"] = book_with_default_threads
    for fn in steps.values():
        timed_ms(fn, args.warmup)
    times: dict[str, list[float]] = {k: [] for k in steps}
    per_round = max(1, args.steps // args.rounds)
    for _ in range(args.rounds):
        for key, fn in steps.items():
            # The book's float64 code is 5-50x slower: fewer of its steps keep the run short.
            times[key] += timed_ms(fn, max(2, per_round // 6) if key == "book" else per_round,
                                   BLOCK_S)
    chosen = [min(layer.forward_threads.seconds, key=layer.forward_threads.seconds.get)
              for layer in model.layers if getattr(layer, "forward_threads", None)
              and layer.forward_threads.seconds]
    return times, chosen


def bench_inference(name: str, x: np.ndarray, calls: int, rounds: int,
                    use_torch: bool) -> dict[str, list[float]]:
    """Single-image predict (the draw pad's call), ours vs torch.no_grad() in eval mode."""
    spec = preset(name)["spec"]
    model = build(spec)
    one = shaped(x[:1], spec)
    steps: dict[str, Callable[[], Any]] = {"ours": lambda: model.predict(one)}
    if use_torch:
        import torch

        from _torch_nets import torch_from_spec
        net = torch_from_spec(spec).eval()
        image = torch.from_numpy(one)

        def torch_predict() -> None:
            with torch.no_grad():
                net(image)

        steps["torch"] = torch_predict
    for fn in steps.values():
        timed_ms(fn, 20)
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(rounds):
        for key, fn in steps.items():
            times[key] += timed_ms(fn, max(1, calls // rounds))
    return times


def ratio_row(name: str, times: dict[str, list[float]], target: float) -> str:
    med, best = statistics.median(times["ours"]), min(times["ours"])
    if "torch" not in times:
        return f"{name:<16} {med:>8.2f} {'-':>9} {'-':>6} {best:>9.2f} {'-':>9} {'-':>6}"
    t_med, t_best = statistics.median(times["torch"]), min(times["torch"])
    verdict = "PASS" if med / t_med <= target else "MISS"
    return (f"{name:<16} {med:>8.2f} {t_med:>9.2f} {med / t_med:>6.2f} {best:>9.2f} "
            f"{t_best:>9.2f} {best / t_best:>6.2f} {target:>6.2f}  {verdict}")


def floor_rows(nets: list[str], torch_ms: dict[str, float]) -> None:
    """The conv GEMMs of one step alone, the least any im2col + OpenBLAS step can take."""
    from _gemm_floor import gemm_floor_ms

    convs = [name for name in nets if name != "two_layer_net"]
    if not convs:
        return
    print("\nconv GEMMs alone (no columns built; best chunking and orientation; the faster "
          "of half the batch on one core and all of it on OpenBLAS's threads), ms:")
    for name in convs:
        floor, half, whole = gemm_floor_ms(build(preset(name)["spec"]), BATCH)
        versus = f"  floor / torch step {floor / torch_ms[name]:.2f}" if name in torch_ms \
            else ""
        print(f"  {name:<16} {floor:7.2f}  (half on one core {half:.2f}, whole on threads "
              f"{whole:.2f}){versus}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="timed steps per net and side")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved ours/torch rounds")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--nets", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--no-torch", action="store_true", help="time our engine only")
    parser.add_argument("--no-book", action="store_true", help="skip the book's own code")
    parser.add_argument("--inference-calls", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="per-layer time breakdown")
    parser.add_argument("--cprofile", action="store_true", help="top functions by own time")
    parser.add_argument("--paths", choices=["fast", "reference"], default="fast",
                        help="the engine's fast paths (its default) or every layer's "
                        "reference path (parallel.only_paths)")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip timing the conv nets' GEMMs alone (_gemm_floor.py)")
    parser.add_argument("--no-replicas", action="store_true",
                        help="keep every step in one process (replicas.py: DeepConvNet's "
                        "steps are otherwise shared with a second process)")
    args = parser.parse_args(argv)
    replicas.set_enabled(not args.no_replicas)
    print(f"engine paths: {args.paths}; steps shared with a second process (replicas.py): "
          f"{'no' if args.no_replicas else 'when big enough'}")
    with parallel.only_paths(args.paths):
        return run(args)


def run(args: argparse.Namespace) -> int:

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
    use_book = not args.no_book
    if use_book:
        from _book_nets import REFERENCE, reference_dir
        if reference_dir() is None:
            print(f"book's code not found at {REFERENCE}: book / ours skipped")
            use_book = False
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
    book_rows, thread_rows, torch_ms = [], [], {}
    for name in args.nets:
        times, chosen = bench_net(name, x, y, args, use_torch, use_book)
        print(ratio_row(name, times, TARGETS[name]), flush=True)
        if "torch" in times:
            torch_ms[name] = statistics.median(times["torch"])
        if chosen:
            thread_rows.append(f"  {name}: {chosen}")
        if "book" in times:
            book_rows.append((name, statistics.median(times["book"]),
                              statistics.median(times["ours"])))
    if thread_rows:
        print("OpenBLAS threads our Conv2D/Dense layers' training forward chose "
              "(blas.ThreadChoice):")
        print("\n".join(thread_rows))
    if not args.no_floor:
        floor_rows(args.nets, torch_ms)
    if book_rows:
        print("\nthe book's own code (float64, its Adam), same rounds:")
        for name, book, ours in book_rows:
            verdict = "PASS" if book / ours >= BOOK_TARGET else "MISS"
            goal = "" if name == "two_layer_net" else f"target >= {BOOK_TARGET:g}  {verdict}"
            print(f"  {name:<16} book {book:8.2f} ms  ours {ours:7.2f} ms  "
                  f"book / ours {book / ours:6.1f}  {goal}", flush=True)
    print(f"\nsingle-image inference (model.predict of 1 image), median of "
          f"{args.inference_calls} calls, ms; target ours/torch <= 1.0")
    for name in args.nets:
        times = bench_inference(name, x, args.inference_calls, args.rounds, use_torch)
        print(ratio_row(name, times, 1.0), flush=True)
    if args.profile or args.cprofile:
        from _profile import cprofile_net, profile_net

        # Per-layer times are the model's process's: in a step shared with a second
        # process that is its half of the batch, the other half running meanwhile (with
        # the step in one process instead, thread-split layers such as the pools would
        # show costs the real step does not have).
        for name in args.nets:
            if args.profile:
                profile_net(name, x, y, max(10, args.steps // 2))
            if args.cprofile:
                cprofile_net(name, x, y, max(10, args.steps // 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
