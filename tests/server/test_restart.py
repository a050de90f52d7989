"""kill -9 the server mid-run, start it again on the same data dir: finished runs are all
there with their history, the cut-off run is 'interrupted'."""

from __future__ import annotations

import time

import httpx

from tests.conftest import start_server
from tests.server.conftest import TINY_RUN

# Toy data: no MNIST decoding, so the run is going within a fraction of a second.
LONG_TOY = {**TINY_RUN, "train_size": 5000, "batch_size": 5, "epochs": 200}


def _wait(url: str, rid: int, pred, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = httpx.get(f"{url}/api/runs/{rid}").json()
        if pred(run):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {rid}: {run['status']} {run.get('progress')}")


def test_kill_and_restart(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data)
    try:
        done = httpx.post(server.url + "/api/runs", json=TINY_RUN).json()["id"]
        finished = _wait(server.url, done, lambda r: r["status"] == "completed")
        cut = httpx.post(server.url + "/api/runs", json=LONG_TOY).json()["id"]
        _wait(server.url, cut, lambda r: (r["progress"] or {}).get("step", 0) > 5)
        queued = [httpx.post(server.url + "/api/runs", json=LONG_TOY).json()["id"]
                  for _ in range(2)]
    finally:
        server.stop(kill=True)  # SIGKILL: no shutdown hook runs
    server = start_server(data, port=server.port)
    try:
        runs = {r["id"]: r for r in httpx.get(server.url + "/api/runs").json()}
        assert runs[done]["status"] == "completed"
        again = httpx.get(f"{server.url}/api/runs/{done}").json()
        assert again["history"]["epochs"] == finished["history"]["epochs"]
        assert again["history"]["steps"] == finished["history"]["steps"]
        assert runs[cut]["status"] == "interrupted"
        assert {runs[q]["status"] for q in queued} == {"interrupted"}
        # the finished run's weights were kept on disk: it still answers predictions
        r = httpx.post(f"{server.url}/api/runs/{done}/predict", json={"points": [[0.1, 0.2]]})
        assert r.status_code == 200 and len(r.json()["probs"][0]) == 2
        assert httpx.post(f"{server.url}/api/runs/{cut}/pause").status_code == 409
        assert httpx.get(server.url + "/api/health").json()["runs"] == {"running": 0,
                                                                        "queued": 0}
    finally:
        server.stop()
