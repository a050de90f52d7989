"""What callbacks.Playground costs a script's training: fit with and without it, in
interleaved rounds against a real local server, median seconds and the ratio.

    python benchmarks/bench_playground.py                  # MLP 784-100-10, 5,000 images
    python benchmarks/bench_playground.py --rounds 5 --conv

The server runs niced in a subprocess (it also computes histograms and evaluations from the
uploaded weights, as it would for a watcher).  ``on_train_end`` waits for the last send, so
the "with" time includes the final flush.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

from nnplayground import keras
from nnplayground.keras import layers
from nnplayground.keras.callbacks import Playground


def start_server(data_dir: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["nice", "-n", "10", sys.executable, "-m", "nnplayground", "serve",
                             "--port", str(port), "--data-dir", data_dir, "--log-level",
                             "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def model(conv: bool) -> keras.Sequential:
    if conv:
        return keras.Sequential([keras.Input(shape=(28, 28, 1)),
                                 layers.Conv2D(16, 5, activation="relu"),
                                 layers.MaxPooling2D(2), layers.Flatten(),
                                 layers.Dense(10, activation="softmax")])
    return keras.Sequential([layers.Dense(100, activation="relu", input_shape=(784,)),
                             layers.Dense(10, activation="softmax")])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--train-size", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--conv", action="store_true")
    args = ap.parse_args()
    (x, y), _ = keras.datasets.mnist.load_data()
    x = x[:args.train_size].astype("float32") / 255
    x = x[..., None] if args.conv else x.reshape(len(x), 784)
    y = y[:args.train_size]
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(os.path.join(tmp, "data"))
        try:
            times: dict[str, list[float]] = {"plain": [], "playground": []}
            for r in range(args.rounds):
                for side in ("plain", "playground"):
                    keras.utils.set_random_seed(r)
                    m = model(args.conv)
                    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                              metrics=["accuracy"])
                    cbs = [Playground(url, name=f"bench {r}")] if side == "playground" else []
                    t0 = time.perf_counter()
                    m.fit(x, y, batch_size=32, epochs=args.epochs, verbose=0, callbacks=cbs)
                    times[side].append(time.perf_counter() - t0)
        finally:
            proc.terminate()
            proc.wait(10)
    plain, with_pg = (statistics.median(times[k]) for k in ("plain", "playground"))
    steps = args.epochs * -(-args.train_size // 32)
    print(f"{'conv' if args.conv else 'mlp'}: {steps} steps, median of {args.rounds} rounds")
    print(f"  plain fit        {plain:7.2f} s")
    print(f"  with Playground  {with_pg:7.2f} s")
    print(f"  ratio            {with_pg / plain:7.3f}   (rounds: {np.round(times['plain'], 2)} "
          f"vs {np.round(times['playground'], 2)})")


if __name__ == "__main__":
    main()
