"""Train the network of the book's ch. 3 (neuralnet_mnist.py) once and write its weights to
backend/nnplayground/labs/data/ch3_sample_weight.npz (shipped as package data).

The book loads ``sample_weight.pkl``; we refuse pickles, so the same 784-50-100-10 sigmoid
network is trained here with the book's ch. 4 settings (train_neuralnet.py: SGD lr 0.1,
batch 100, 10,000 iterations of one random batch) and saved as an engine archive (numeric
arrays only, ``allow_pickle=False``).  One change: Xavier initial weights (the book's §6.2
advice for sigmoid) instead of N(0, 0.01²), with which this 3-layer sigmoid net was still at
test accuracy 0.1135 after 2,000 iterations (measured).

    nice -n 19 python scripts/train_ch3_weights.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from nnplayground.engine.data import load_mnist
from nnplayground.labs.activations import CH3_SPEC, WEIGHTS
from nnplayground.labs.common import accuracy, compile_classifier

ITERATIONS, BATCH, LR = 10_000, 100, 0.1


def main() -> None:
    (x, y), (xt, yt) = load_mnist()
    x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    from nnplayground.engine.model import Sequential

    model = compile_classifier(Sequential.from_config(CH3_SPEC, rng=np.random.default_rng(0)),
                               "sgd", LR)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for it in range(1, ITERATIONS + 1):
        idx = rng.choice(len(x), BATCH)
        model.train_step(x[idx], y[idx])
        if it % 2000 == 0:
            print(f"iteration {it}: test accuracy {accuracy(model, xt, yt):.4f} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    tmp = Path(str(WEIGHTS) + ".tmp.npz")
    model.save(tmp)
    os.replace(tmp, WEIGHTS)  # written to a temp name, then renamed
    print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size} bytes); test accuracy "
          f"{accuracy(model, xt, yt):.4f} (the book's sample_weight.pkl: 0.9352)")


if __name__ == "__main__":
    main()
