"""Seconds to reach the book's accuracies on full MNIST with the presets' own settings.

    python benchmarks/time_to_accuracy.py [--runs mlp simple deep] [--mlp mlp_strong] [--seed 0]

1. ``mlp``: the MLP preset trains until its test accuracy reaches >= 97.5 % (or --max-epochs).
2. ``simple``: SimpleConvNet trains for 3 epochs; the target is >= 99.0 % test accuracy.
3. ``deep``: DeepConvNet trains until >= 99.3 % test accuracy or its preset's epochs
   (the book reports 99.38 % after 20 epochs); its wall-clock minutes are the figure.
   ``--save-deep PATH`` writes its weights (.npz, no pickle) when it ends: that is how the
   figure 8-3 lab's shipped weights were made.
Each epoch prints its seconds (training + test evaluation), the running total, the training
loss and the test accuracy.  The optimizer, learning rate, its per-epoch decay and the batch
size come from each preset's ``training`` block, so these are what a user of the page sees.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench_engine import build, environment, preset, shaped
from nnplayground.engine import PRESETS
from nnplayground.engine.callbacks import Callback, lr_schedule
from nnplayground.engine.data import load_mnist


class EpochReport(Callback):
    """Prints one line per epoch and stops once the test accuracy reaches ``target``."""

    def __init__(self, target: float | None) -> None:
        super().__init__()
        self.target = target
        self.start = time.perf_counter()
        self.reached_at: float | None = None
        self.final_accuracy = 0.0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        total = time.perf_counter() - self.start
        acc = float(logs.get("val_accuracy", float("nan")))
        self.final_accuracy = acc
        print(f"  epoch {epoch + 1:>2}  {logs.get('seconds', float('nan')):7.1f} s  "
              f"total {total:7.1f} s  train loss {logs.get('loss', float('nan')):.4f}  "
              f"train acc {logs.get('accuracy', float('nan')):.4f}  test acc {acc:.4f}",
              flush=True)
        if self.target is not None and acc >= self.target and self.reached_at is None:
            self.reached_at = total
            self.model.stop_training = True


def run(name: str, epochs: int, target: float | None, seed: int,
        data: tuple, train_size: int | None, save: str | None = None) -> EpochReport:
    item = preset(name)
    spec, training = item["spec"], dict(item.get("training") or {})
    optimizer = training.get("optimizer") or {"name": "adam", "lr": 1e-3}
    batch_size = int(training.get("batch_size", 100))
    loss = training.get("loss", "softmax_cross_entropy")
    (x, y), (xt, yt) = data
    if train_size:
        x, y = x[:train_size], y[:train_size]
    model = build(spec, optimizer, seed=seed, loss=loss,
                  weight_decay=float(training.get("weight_decay") or 0.0))
    print(f"\n{name}: {model.count_params():,} params, optimizer {optimizer}, "
          f"lr decay {training.get('lr_decay', 1.0):g}/epoch, "
          f"lr schedule {training.get('lr_schedule', 'step')}, "
          f"batch {batch_size}, up to {epochs} epochs, {len(x)} training images"
          + (f", target {target:.1%}" if target else ""), flush=True)
    report = EpochReport(target)
    callbacks: list[Callback] = [report]
    # the preset's schedule: lr *= lr_decay after every epoch, and/or a linear fall to zero
    callbacks[:0] = lr_schedule(training.get("lr_schedule", "step"),
                                float(training.get("lr_decay", 1.0)))
    model.fit(shaped(x, spec), y, epochs=epochs, batch_size=batch_size,
              validation_data=(shaped(xt, spec), yt), shuffle=True, callbacks=callbacks)
    if save:
        model.save(save)
        print(f"  weights saved to {save}", flush=True)
    return report


def pick_mlp(requested: str | None) -> str:
    names = PRESETS.names()
    if requested:
        return requested
    for candidate in ("mlp_strong", *[n for n in names if n.startswith("mlp")]):
        if candidate in names:
            return candidate
    raise SystemExit(f"no MLP preset found among {names}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlp", default=None, help="MLP preset name [mlp_strong]")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--cnn-epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-size", type=int, default=None,
                        help="smoke-test on a subset (the targets assume full MNIST)")
    parser.add_argument("--runs", nargs="+", default=["mlp", "simple", "deep"],
                        choices=["mlp", "simple", "deep"])
    parser.add_argument("--deep-epochs", type=int, default=None,
                        help="cap DeepConvNet's epochs [its preset's]")
    parser.add_argument("--save-deep", default=None, metavar="PATH",
                        help="save DeepConvNet's trained weights to PATH (.npz)")
    args = parser.parse_args(argv)

    for line in environment():
        print(line)
    data = load_mnist()
    results = []
    if "mlp" in args.runs:
        mlp = pick_mlp(args.mlp)
        mlp_report = run(mlp, args.max_epochs, 0.975, args.seed, data, args.train_size)
        results.append((mlp, "test acc >= 97.5%", mlp_report.reached_at,
                        mlp_report.final_accuracy, mlp_report.reached_at is not None))
    if "simple" in args.runs:
        start = time.perf_counter()
        cnn = run("simple_conv_net", args.cnn_epochs, None, args.seed, data, args.train_size)
        seconds = time.perf_counter() - start
        results.append(("simple_conv_net", f"{args.cnn_epochs} epochs, target >= 99.0%",
                        seconds, cnn.final_accuracy, cnn.final_accuracy >= 0.990))
    if "deep" in args.runs:
        epochs = args.deep_epochs or int(preset("deep_conv_net")["training"]["epochs"])
        deep = run("deep_conv_net", epochs, 0.993, args.seed, data, args.train_size,
                   save=args.save_deep)
        results.append(("deep_conv_net", "test acc >= 99.3%", deep.reached_at,
                        deep.final_accuracy, deep.reached_at is not None))
    print("\nsummary")
    for name, goal, seconds, acc, ok in results:
        secs = f"{seconds / 60:6.1f} min" if seconds is not None else "not reached"
        print(f"  {name:<16} {goal:<28} {secs:>12}  final test acc {acc:.4f}  "
              f"{'PASS' if ok else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
