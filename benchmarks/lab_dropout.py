"""The book's overfit_dropout.py setting (§6.4.3) with both dropout modes, against no
regularisation: 300 training images, 784 → 100×6 → 10 ReLU, He init, SGD lr 0.01, batch 100,
301 epochs, dropout ratio 0.2, measured on the full 10,000 test images.

    nice -n 19 python benchmarks/lab_dropout.py [--seeds 3] [--epochs 301]

The book prints train 0.67 / test 0.548 at the end (its figure 6-23 shows the gap narrowing);
the point to check is that book-mode dropout ends with a smaller train–test gap than no
regularisation.  Prints one line per run and the mean per setting.
"""

from __future__ import annotations

import argparse
import time

from nnplayground.labs.overfitting import run

SETTINGS = {
    "none": {"dropout": 0.0},
    "dropout 0.2 (book mode)": {"dropout": 0.2, "dropout_mode": "book"},
    "dropout 0.2 (inverted)": {"dropout": 0.2, "dropout_mode": "inverted"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=301)
    args = ap.parse_args()
    print(f"epochs {args.epochs}, seeds 0..{args.seeds - 1}, test set 10,000 images")
    for name, params in SETTINGS.items():
        gaps, trains, tests = [], [], []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            r = run(epochs=args.epochs, eval_every=args.epochs, seed=seed, **params)
            f = r["final"]
            gaps.append(f["gap"])
            trains.append(f["train"])
            tests.append(f["test"])
            print(f"  {name:26s} seed {seed}: train {f['train']:.3f} test {f['test']:.3f} "
                  f"gap {f['gap']:.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
        n = len(gaps)
        print(f"{name:28s} mean: train {sum(trains) / n:.3f} test {sum(tests) / n:.3f} "
              f"gap {sum(gaps) / n:.3f}", flush=True)


if __name__ == "__main__":
    main()
