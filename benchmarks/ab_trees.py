"""A/B of the engine between two source trees: alternating runs, each in a fresh process.

    git worktree add /tmp/A HEAD                      # the code before a change
    python benchmarks/ab_trees.py /tmp/A . --net simple_conv_net --pairs 8

A training step shared with a second process (engine/replicas.py) runs half of its batch
in a fresh interpreter that imports the engine from disk, so a variant monkeypatched into
one process changes only half of the step, which then still waits for the other half.
Here each run imports one tree's ``backend`` (PYTHONPATH), both of its processes included,
and times the median of ``--steps`` training steps; the pairs run in a shuffled order.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path


def child(net: str, steps: int) -> None:
    """The timed run: print where the engine came from and the median step in ms."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import nnplayground
    from bench_engine import Batches, build, preset, shaped
    from nnplayground.engine.data import load_mnist

    (x, y), _ = load_mnist()
    spec = preset(net)["spec"]
    model = build(spec)
    batches = Batches(shaped(x, spec), y)
    for _ in range(15):
        model.train_step(*batches.next())
    times = []
    for _ in range(steps):
        xb, yb = batches.next()
        start = time.perf_counter()
        model.train_step(xb, yb)
        times.append(time.perf_counter() - start)
    print(nnplayground.__file__, statistics.median(times) * 1e3)


def run(tree: Path, net: str, steps: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree / "backend"))
    out = subprocess.run([sys.executable, __file__, "--child", net, str(steps)], env=env,
                         capture_output=True, text=True, check=True, timeout=600).stdout
    where, ms = out.split()
    if not Path(where).resolve().is_relative_to((tree / "backend").resolve()):
        raise RuntimeError(f"{tree} ran the engine from {where}")
    return float(ms)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, help="tree A (a folder holding backend/)")
    parser.add_argument("b", type=Path, help="tree B")
    parser.add_argument("--net", default="simple_conv_net")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=150, help="timed steps a run")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"A": [], "B": []}
    for i in range(args.pairs):
        order = ["A", "B"]
        random.Random(i).shuffle(order)
        for side in order:
            times[side].append(run(args.a if side == "A" else args.b, args.net, args.steps))
    a, b = statistics.median(times["A"]), statistics.median(times["B"])
    print(f"{args.net}: A {a:.3f} ms, B {b:.3f} ms, B/A {b / a:.3f}")
    print("  B/A each pair:", " ".join(f"{y / x:.3f}" for x, y in
                                         zip(times["A"], times["B"], strict=True)))


if __name__ == "__main__":
    main()
