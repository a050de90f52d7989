"""Fuzz every operation of the OpenAPI schema against a real server (uvicorn subprocess) with
the generator of tests/fuzzing.py, until at least --requests requests were sent, then print
the answers by operation and status, the 5xx count, connection resets, and the unhandled
exceptions in the server log.  Deterministic: round k of every operation uses seed k.

    nice -n 19 python benchmarks/fuzz_api.py                  # 10,000 requests
    nice -n 19 python benchmarks/fuzz_api.py --requests 500   # a quick look

Exit status 1 when any answer was a 5xx or the log holds a traceback.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "backend")]

from tests import fuzzing  # noqa: E402
from tests.conftest import start_server  # noqa: E402
from tests.server.conftest import TINY_RUN  # noqa: E402

LIMITS = {"NNPG_MAX_CONCURRENT": "1", "NNPG_MAX_TRAIN_SIZE": "300", "NNPG_MAX_EPOCHS": "2",
          "NNPG_MAX_UPLOAD_BYTES": "200000"}
PER_ROUND = 150  # examples per operation and round


def _prepare(client: httpx.Client) -> bytes:
    run = client.post("/api/runs", json={**TINY_RUN, "epochs": 1}).json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/runs/{run}").json()["status"] != "completed":
        if time.monotonic() > deadline:
            raise RuntimeError("the seed run did not finish")
        time.sleep(0.1)
    client.post(f"/api/runs/{run}/save", json={"name": "fuzzed"})
    return client.get("/api/models/fuzzed").content


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10_000)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="nnpg-fuzz-"))
    (tmp / "data").mkdir()
    server = start_server(tmp / "data", env=LIMITS)
    log_path = tmp / f"server-{server.port}.log"
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: list[str] = []
    resets = 0
    total = 0
    t0 = time.monotonic()
    try:
        client = httpx.Client(base_url=server.url, timeout=30)
        blob = _prepare(client)
        schema = client.get("/openapi.json").json()
        ops = fuzzing.operations(schema)
        defs = schema.get("components", {}).get("schemas", {})
        round_no = 0

        def _fire_for(op: fuzzing.Operation):
            @settings(max_examples=PER_ROUND, deadline=None, database=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(fuzzing.requests(op, defs, [blob]))
            def fire(request: dict) -> None:
                nonlocal total, resets
                total += 1
                try:
                    status = client.request(**request).status_code
                except httpx.TransportError:
                    resets += 1
                    status = 0
                counts[op.label][status] += 1
                if status >= 500 and len(failures) < 20:
                    failures.append(f"{status} {request['method']} {request['url']} "
                                    f"params={request['params']} "
                                    f"body={(request['content'] or b'')[:200]!r}")
            return fire

        while total < args.requests:
            for op in ops:
                seed(round_no)(_fire_for(op))()
            round_no += 1
    finally:
        server.stop()
    elapsed = time.monotonic() - t0
    log = log_path.read_text(errors="replace")
    tracebacks = log.count("Traceback (most recent call last)")
    print(f"{total:,} requests over {len(counts)} operations in {elapsed:.0f} s "
          f"({total / elapsed:.0f}/s), {round_no} rounds")
    print(f"{'operation':<40}{'requests':>9}  statuses")
    for label in sorted(counts):
        c = counts[label]
        print(f"{label:<40}{sum(c.values()):>9}  "
              + " ".join(f"{k}:{v}" for k, v in sorted(c.items())))
    all_status = collections.Counter()
    for c in counts.values():
        all_status.update(c)
    fives = sum(v for k, v in all_status.items() if k >= 500)
    print(f"total by status: {dict(sorted(all_status.items()))}")
    print(f"5xx answers: {fives}   connection errors: {resets}   "
          f"tracebacks in the server log: {tracebacks}")
    for line in failures:
        print("  ", line)
    if tracebacks:
        print(f"server log: {log_path}")
    return 1 if fives or tracebacks or resets else 0


if __name__ == "__main__":
    sys.exit(main())
