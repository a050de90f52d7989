"""Server benchmarks (issue 3).  Run: ``python benchmarks/bench_server.py``.

1. /predict for SimpleConvNet: server time (handler, from ``server_ms``) and HTTP round trip;
   target <= 5 ms server time.  Peer: PyTorch's forward pass of the same net, same image.
2. /predict p95 while a SimpleConvNet trains on the same server; target <= 20 ms.
3. Training steps/s of one run with 0 vs 20 connected watchers; target <= 5 % slower.

A real ``nnplayground serve`` runs in a subprocess with a temporary data dir.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import websockets

TRAIN = {"preset": "simple_conv_net", "dataset": "mnist", "train_size": 3000, "test_size": 500,
         "epochs": 1, "batch_size": 100, "optimizer": {"name": "adam", "lr": 0.001},
         "probe_every": 50}


def start(data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "nnplayground", "serve", "--port", str(port),
                             "--data-dir", str(data), "--log-level", "warning"],
                            env={**os.environ, "NNPG_MAX_CONCURRENT": "1"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def wait(c: httpx.Client, rid: int, statuses: set[str]) -> dict:
    while True:
        run = c.get(f"/api/runs/{rid}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.05)


def mnist_images(n: int) -> np.ndarray:
    from nnplayground.engine.data import load_mnist

    (_, _), (xt, _) = load_mnist(flatten=False)
    return xt[:n, 0]


def torch_forward_ms(image: np.ndarray) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 30, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(4320, 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 10), torch.nn.Softmax(dim=1)).eval()
    x = torch.from_numpy(image.reshape(1, 1, 28, 28).astype(np.float32))
    with torch.no_grad():
        for _ in range(20):
            net(x)
        t0 = time.perf_counter()
        for _ in range(200):
            net(x)
    return (time.perf_counter() - t0) / 200 * 1000


def bench_predict(c: httpx.Client, rid: int, images: np.ndarray, n: int,
                  layers: bool = True) -> tuple[list[float], list[float]]:
    server, rtt = [], []
    for i in range(n):
        body = {"image": images[i % len(images)].tolist(), "layers": layers}
        t0 = time.perf_counter()
        r = c.post(f"/api/runs/{rid}/predict", json=body)
        rtt.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        # Server-Timing: the whole request inside the server (parse, model, JSON encoding)
        server.append(float(r.headers["server-timing"].split("dur=")[1]))
    return server, rtt


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def watchers(ws_url: str, rid: int, n: int, stop: threading.Event) -> threading.Thread:
    async def one(counter: list[int]) -> None:
        async with websockets.connect(f"{ws_url}/ws/runs/{rid}?rate=10", max_size=2**24) as ws:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(ws.recv(), 0.2)
                    counter[0] += 1
                except TimeoutError:
                    pass

    async def main() -> None:
        counter = [0]
        await asyncio.gather(*(one(counter) for _ in range(n)))
        print(f"    watchers received {counter[0]} messages")

    t = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    t.start()
    return t


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of the server process and its live children (Linux): a measure
    that other load on the machine does not distort the way wall-clock steps/s is.  The
    children count since a conv net's steps run half in a second process (replicas.py)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            with contextlib.suppress(OSError):  # it ended meanwhile
                total += cpu_seconds(int(child))
    return total


def steps_per_sec(run: dict) -> float:
    steps = run["progress"]["step"]
    return steps / sum(e["seconds"] for e in run["history"]["epochs"])


def main() -> None:
    data = Path(tempfile.mkdtemp()) / "data"
    proc, url = start(data)
    ws_url = url.replace("http://", "ws://")
    try:
        c = httpx.Client(base_url=url, timeout=30)
        images = mnist_images(100)
        rid = c.post("/api/runs", json={**TRAIN, "train_size": 500}).json()["id"]
        wait(c, rid, {"completed"})
        bench_predict(c, rid, images, 20)  # warm-up
        server, rtt = bench_predict(c, rid, images, 300)
        lean, _ = bench_predict(c, rid, images, 300, layers=False)
        print("1. /predict SimpleConvNet (idle server, 300 requests)")
        print(f"   server time incl. layers: median {statistics.median(server):.2f} ms"
              f", p95 {p(server, 95):.2f} ms   (target <= 5 ms)")
        print(f"   server time probs only:             median {statistics.median(lean):.2f} ms")
        print(f"   HTTP round trip:                    median {statistics.median(rtt):.2f} ms"
              f", p95 {p(rtt, 95):.2f} ms")
        tms = torch_forward_ms(images[0])
        if tms:
            print(f"   PyTorch forward (1 thread): {tms:.3f} ms -> server/PyTorch ratio "
                  f"{statistics.median(lean) / tms:.1f}x (includes JSON + preprocessing)")

        rid2 = c.post("/api/runs", json={**TRAIN, "epochs": 3}).json()["id"]
        wait(c, rid2, {"running"})
        while (c.get(f"/api/runs/{rid2}").json()["progress"] or {}).get("step", 0) < 2:
            time.sleep(0.05)
        server2, rtt2 = [], []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 8 and c.get(f"/api/runs/{rid2}").json()["status"] == \
                "running":
            s, r = bench_predict(c, rid2, images, 10)
            server2 += s
            rtt2 += r
        c.post(f"/api/runs/{rid2}/stop")
        wait(c, rid2, {"stopped", "completed"})
        print(f"2. /predict against a SimpleConvNet run while it trains ({len(rtt2)} requests)")
        print(f"   round trip p50 {p(rtt2, 50):.2f} ms, p95 {p(rtt2, 95):.2f} ms   "
              f"(target p95 <= 20 ms); server time p95 {p(server2, 95):.2f} ms")

        rates: dict[int, list[float]] = {}
        cpu: dict[int, list[float]] = {}
        for n in (0, 20, 0, 20):  # interleaved to cancel drift
            stop = threading.Event()
            cpu0 = cpu_seconds(proc.pid)
            rid3 = c.post("/api/runs", json=TRAIN).json()["id"]
            t = watchers(ws_url, rid3, n, stop) if n else None
            run = wait(c, rid3, {"completed"})
            stop.set()
            if t:
                t.join(5)
            rates.setdefault(n, []).append(steps_per_sec(run))
            cpu.setdefault(n, []).append((cpu_seconds(proc.pid) - cpu0) / run["progress"]["step"])
            print(f"    {n:2d} watchers: {rates[n][-1]:.2f} steps/s, server CPU "
                  f"{cpu[n][-1] * 1000:.1f} ms/step")
        r0, r20 = statistics.mean(rates[0]), statistics.mean(rates[20])
        c0, c20 = statistics.mean(cpu[0]), statistics.mean(cpu[20])
        print(f"3. training steps/s: 0 watchers {r0:.2f}, 20 watchers {r20:.2f} -> "
              f"{(1 - r20 / r0) * 100:+.1f} % slower   (target <= 5 %)")
        print(f"   server CPU per step: 0 watchers {c0 * 1000:.1f} ms, 20 watchers "
              f"{c20 * 1000:.1f} ms -> {(c20 / c0 - 1) * 100:+.1f} %")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
