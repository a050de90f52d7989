"""Local executor vs Ray on this machine (issue 11).  Run from the repository root:

    python benchmarks/bench_cluster.py            # 20 runs each side
    python benchmarks/bench_cluster.py --runs 10 --cpus 1

Both sides are a real ``nnplayground serve`` in a subprocess.  Local: SQLite and the local
executor (2 slots).  Ray: PostgreSQL, a Ray head and a second node (``--cpus`` each) started
here, ``NNPG_EXECUTOR=ray``.  Each side trains the same 20 small runs (2-D toy data, 40
steps) one after the other with a watcher on each, then all 20 at once, then one long run
with a watcher at the fastest rate.  Printed per side, and as Ray/local ratios:

* per-job overhead: from POST to the watcher's final status, minus the job's own training
  time (its started_at..finished_at): what the executor adds around a job;
* time to first step: from POST to the first ``step`` message at the watcher;
* makespan of 20 runs submitted at once;
* messages per second reaching a watcher at ``rate=60`` (the protocol's maximum);
* pause seen: from POST .../pause to the watcher's "paused" status (median of 5): the
  control's way to the job and the job's answer back.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server  # noqa: E402

SMALL = {"spec": {"input_shape": [2], "layers": [{"type": "dense", "units": 8},
                                                 {"type": "tanh"}, {"type": "dense", "units": 2}]},
         "dataset": "xor", "train_size": 400, "test_size": 100, "epochs": 2, "batch_size": 20,
         "optimizer": {"name": "adam", "lr": 0.01}}
LONG = {**SMALL, "train_size": 5000, "batch_size": 5, "epochs": 200}


def watch_one(url: str, ws_url: str) -> dict[str, float]:
    t0 = time.monotonic()
    rid = httpx.post(url + "/api/runs", json=SMALL, timeout=60).json()["id"]
    first = None
    with connect(f"{ws_url}/ws/runs/{rid}?rate=60") as ws:
        while True:
            msg = json.loads(ws.recv(timeout=120))
            if msg["type"] == "step" and first is None:
                first = time.monotonic() - t0
            if msg["type"] == "status" and msg["data"]["status"] in ("completed", "failed"):
                break
            if msg["type"] == "state" and msg["data"]["status"] == "completed":
                break
    total = time.monotonic() - t0
    run = httpx.get(f"{url}/api/runs/{rid}", timeout=30).json()
    assert run["status"] == "completed", run
    trained = run["finished_at"] - run["started_at"]
    return {"overhead": total - trained, "first_step": first if first is not None else total,
            "total": total, "trained": trained}


def makespan(url: str, n: int) -> float:
    t0 = time.monotonic()
    ids = [httpx.post(url + "/api/runs", json=SMALL, timeout=60).json()["id"] for _ in range(n)]
    deadline = time.monotonic() + 600
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        for rid in list(pending):
            if httpx.get(f"{url}/api/runs/{rid}", timeout=30).json()["status"] == "completed":
                pending.discard(rid)
        time.sleep(0.1)
    assert not pending, f"runs {sorted(pending)} did not finish"
    return time.monotonic() - t0


def events_per_second(url: str, ws_url: str, seconds: float = 5.0) -> float:
    rid = httpx.post(url + "/api/runs", json=LONG, timeout=60).json()["id"]
    with connect(f"{ws_url}/ws/runs/{rid}?rate=60") as ws:
        while json.loads(ws.recv(timeout=120))["type"] != "step":
            pass
        count, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds:
            ws.recv(timeout=30)
            count += 1
        rate = count / (time.monotonic() - t0)
        pauses = []
        for _ in range(5):  # a control's way to the job and the job's answer back
            t0 = time.monotonic()
            httpx.post(f"{url}/api/runs/{rid}/pause", timeout=30)
            while True:
                msg = json.loads(ws.recv(timeout=30))
                if msg["type"] == "status" and msg["data"]["status"] == "paused":
                    break
            pauses.append(time.monotonic() - t0)
            httpx.post(f"{url}/api/runs/{rid}/resume", timeout=30)
    httpx.post(f"{url}/api/runs/{rid}/stop", timeout=30)
    return rate, statistics.median(pauses)


def side(name: str, url: str, ws_url: str, runs: int) -> dict[str, float]:
    watch_one(url, ws_url)  # warm-up: imports, worker processes
    rows = [watch_one(url, ws_url) for _ in range(runs)]
    out = {"overhead": statistics.median(r["overhead"] for r in rows),
           "first_step": statistics.median(r["first_step"] for r in rows),
           "trained": statistics.median(r["trained"] for r in rows),
           "makespan": makespan(url, runs)}
    out["events"], out["pause"] = events_per_second(url, ws_url)
    print(f"{name:6s} per-job overhead {out['overhead'] * 1000:8.0f} ms (median of {runs})   "
          f"first step {out['first_step'] * 1000:7.0f} ms   training {out['trained'] * 1000:6.0f}"
          f" ms   {runs} at once {out['makespan']:6.1f} s   watcher {out['events']:5.1f} msg/s"
          f"   pause seen {out['pause'] * 1000:5.0f} ms", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cpus", type=int, default=1, help="CPUs of each Ray node")
    parser.add_argument("--idle-workers", type=int, default=6,
                        help="RAY_num_workers_soft_limit of each node (0: Ray's default)")
    args = parser.parse_args()
    args.idle_workers = args.idle_workers or None
    from tests.cluster.parts import running_postgres, running_ray

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "local").mkdir()
        server = start_server(Path(tmp) / "local", env={"NNPG_MAX_CONCURRENT": "2"})
        try:
            local = side("local", server.url, server.ws_url, args.runs)
        finally:
            server.stop()
        with running_postgres() as pg, \
                running_ray(cpus=args.cpus, idle_workers=args.idle_workers) as ray_cluster:
            (Path(tmp) / "ray").mkdir()
            server = start_server(Path(tmp) / "ray", env={
                "NNPG_EXECUTOR": "ray", "NNPG_RAY_ADDRESS": ray_cluster.address,
                "NNPG_DATABASE_URL": pg.url, "NNPG_SHARED_DIR": str(Path(tmp) / "shared")})
            try:
                ray = side("ray", server.url, server.ws_url, args.runs)
            finally:
                with contextlib.suppress(Exception):
                    server.stop()
    print("ray/local: " + "   ".join(f"{k} {ray[k] / local[k]:.2f}" for k in
                                      ("overhead", "first_step", "makespan", "events",
                                       "pause")))


if __name__ == "__main__":
    main()
