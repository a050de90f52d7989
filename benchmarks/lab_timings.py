"""Seconds to the first and to the full result of every lab, with the parameters the page
sends when a lab is opened (or clicked, for the jobs that wait for a click), run in-process
one after the other, plus the number each lab reports for the book's comparison.

    nice -n 19 python benchmarks/lab_timings.py [--cap 300] [--only overfitting,...]

A job still running after ``--cap`` seconds is stopped through its hooks and marked so.
Wall-clock times depend on the machine's load: the figures in the report were taken on the
shared 2-core box while other engineers ran their tests (load average about 10).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from nnplayground.labs.base import Hooks
from nnplayground.labs.registry import all_labs


def _acc(r: dict) -> str:
    return f"train {r['final']['train']:.3f} / test {r['final']['test']:.3f}"


# lab -> (params the page sends, what to print of the result)
CASES: dict[str, tuple[dict[str, Any], Callable[[Any], str]]] = {
    "perceptron_gate": ({"w1": 0.5, "w2": 0.5, "b": -0.7}, lambda r: f"AND {r['outputs']}"),
    "perceptron_xor": ({}, lambda r: f"XOR {r['outputs']}"),
    "toy_boundary": ({"dataset": "spiral", "hidden": [8, 8], "epochs": 100, "every": 2},
                     lambda r: f"accuracy {r['accuracy']:.3f}"),
    "activation_functions": ({}, lambda r: f"softmax {r['softmax']['outputs']}"),
    "mnist_inference": ({}, lambda r: f"accuracy {r['accuracy']:.4f}, float16 "
                                      f"{r['float16_accuracy']:.4f}"),
    "numerical_diff": ({}, lambda r: f"f'(5) {r['at_5']!r}, f'(10) {r['at_10']!r}"),
    "gradient_descent": ({}, lambda r: "; ".join(
        f"lr {p['lr']:g}: ({p['final'][0]:.3g}, {p['final'][1]:.3g})" for p in r["paths"])),
    "shopping_graph": ({}, lambda r: f"{r['apples']['price']:g} / "
                                     f"{r['apples_oranges']['price']:g}"),
    "layer_backward": ({}, lambda r: f"loss {r['loss']:.4f}"),
    "gradient_check": ({}, lambda r: "max rel. error "
                                     f"{max(p['relative_error'] for p in r['params']):.1e}"),
    "optimizer_race": ({}, lambda r: ", ".join(f"{k} {v:.2g}" for k, v in r["final_loss"].items())),
    "optimizers_mnist": ({"iterations": 2000}, lambda r: ", ".join(
        f"{k} {v:.3f}" for k, v in r["final_loss"].items())),
    "lr_schedules": ({"iterations": 1000, "lr": 0.1}, lambda r: ", ".join(
        f"{k} {v:.3f}" for k, v in r["test_accuracy"].items())),
    "weight_init_histograms": ({}, lambda r: f"{len(r['panels'])} panels"),
    "weight_init_compare": ({"iterations": 2000}, lambda r: ", ".join(
        f"{k} {v:.2f}" for k, v in r["final_loss"].items())),
    "batch_norm": ({"epochs": 20, "scales": [0, 5, 10, 15]}, lambda r: ", ".join(
        f"W={p['scale']:.0e} bn {p['train_acc']['bn'][-1]:.2f}/plain "
        f"{p['train_acc']['plain'][-1]:.2f}" for p in r["panels"])),
    "overfitting": ({"epochs": 201}, _acc),
    "hyperparameter_search": ({"trials": 20, "epochs": 50}, lambda r: f"best val "
                              f"{r['best'][0]['val_acc']:.3f}" if r["best"] else "no trial"),
    "im2col": ({}, lambda r: f"column 0 {[row[0] for row in r['columns']]}"),
    "conv_filters": ({"iterations": 1200}, lambda r: f"test accuracy {r['test_accuracy']:.3f}"),
    "data_augmentation": ({"epochs": 40, "eval_every": 2}, lambda r: f"test plain "
                          f"{r['final']['plain']:.3f} / augmented {r['final']['augmented']:.3f}"),
    "misclassified": ({}, lambda r: f"accuracy {r['accuracy']:.4f} ({r['misclassified']} misread),"
                      f" float16 {r['float16_accuracy']:.4f}"),
    "numerical_vs_backprop": ({}, lambda r: f"{r['seconds_per_step']['numerical']:.1f} s vs "
                              f"{1000 * r['seconds_per_step']['backprop']:.2f} ms per step"),
    "nielsen_cost": ({"w": 2, "b": 2, "lr": 0.15, "epochs": 300}, lambda r: "a after 300: "
                     f"quadratic {r['quadratic']['output'][-1]:.3f}, "
                     f"CE {r['cross_entropy']['output'][-1]:.3f}"),
    "universal_approximation": ({"target": "sine", "hidden": 10, "iterations": 3000},
                                lambda r: f"loss {r['loss']:.5f}"),
    "universal_construction": ({}, lambda r: f"N=5 mean |error| {r['mean_abs_error']:.4f}"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cap", type=float, default=300)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    labs = all_labs()
    names = [n for n in CASES if not args.only or n in args.only.split(",")]
    print(f"{'lab':24s} {'first s':>8s} {'full s':>8s}  result")
    for name in names:
        params, show = CASES[name]
        lab = labs[name]
        t0 = time.perf_counter()
        first: list[float] = []
        capped = []

        def report(_msg: dict, first: list = first, t0: float = t0) -> None:
            if not first:
                first.append(time.perf_counter() - t0)

        def stopped(t0: float = t0, capped: list = capped) -> bool:
            if time.perf_counter() - t0 > args.cap:
                capped.append(True)
                return True
            return False

        result = lab.run(lab.validate(params), Hooks(report=report, stopped=stopped))
        full = time.perf_counter() - t0
        text = show(result) + (f" (stopped at the {args.cap:.0f} s cap)" if capped else "")
        print(f"{name:24s} {first[0] if first else full:8.2f} {full:8.2f}  {text}", flush=True)


if __name__ == "__main__":
    main()
