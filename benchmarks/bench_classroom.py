"""What a class costs: the access middleware on every request, and the round-robin queue
order against first-come-first-served.  Prints ratios against a peer in the same run.

    python benchmarks/bench_classroom.py [--requests 400] [--queue 90]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from fastapi.testclient import TestClient

from nnplayground.jobs import fair
from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings


def per_call(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--queue", type=int, default=90)  # 30 learners x 3 waiting runs
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    local = TestClient(create_app(Settings(data_dir=tmp / "a")))
    room = TestClient(create_app(Settings(data_dir=tmp / "b", host="0.0.0.0", access="code",
                                          class_code="c", teacher_code="t")))
    with local, room:
        assert room.post("/api/auth/login", json={"name": "aiko", "code": "c"}).is_success
        plain, signed = [], []
        for _ in range(args.rounds):  # interleaved: load from others hits both alike
            plain.append(per_call(lambda: local.get("/api/runs"), args.requests))
            signed.append(per_call(lambda: room.get("/api/runs"), args.requests))
    p, s = statistics.median(plain), statistics.median(signed)
    print(f"GET /api/runs  localhost {p * 1e6:8.1f} us   class (cookie, policy) "
          f"{s * 1e6:8.1f} us   ratio {s / p:.3f}")

    queue = [SimpleNamespace(job_id=i, owner=f"learner{i % 30}") for i in range(args.queue)]
    fifo, rr = [], []
    for _ in range(args.rounds):
        fifo.append(per_call(lambda: [t.job_id for t in queue], 200))
        rr.append(per_call(lambda: fair.order(queue, {}), 200))
    f, r = statistics.median(fifo), statistics.median(rr)
    print(f"queue order of {args.queue} jobs  FIFO {f * 1e6:8.1f} us   round-robin "
          f"{r * 1e6:8.1f} us   ratio {r / f:.0f}")


if __name__ == "__main__":
    main()
