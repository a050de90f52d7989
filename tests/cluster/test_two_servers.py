"""A run created through server A is watched, paused, given a new learning rate, predicted
with and stopped through server B (both on one Ray cluster and one PostgreSQL)."""

from __future__ import annotations

import time

import httpx
from websockets.sync.client import connect

from tests.cluster.conftest import Cluster, wait_run
from tests.server.conftest import TINY_RUN
from tests.server.routers.test_ws import recv, until

LONG_TOY = {**TINY_RUN, "train_size": 5000, "batch_size": 5, "epochs": 200}


def test_a_run_from_server_a_is_controlled_through_server_b(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    rid = httpx.post(a.url + "/api/runs", json=LONG_TOY, timeout=30).json()["id"]
    with connect(f"{b.ws_url}/ws/runs/{rid}?rate=20") as ws:
        assert recv(ws)["type"] == "hello"
        state = recv(ws)
        assert state["type"] == "state" and state["data"]["id"] == rid
        first = until(ws, lambda m: m["type"] == "step", timeout=60)
        assert first["run"] == rid

        # (how fast the pause arrives is measured in benchmarks/bench_cluster.py)
        assert httpx.post(f"{b.url}/api/runs/{rid}/pause", timeout=10).status_code == 200
        until(ws, lambda m: m["type"] == "status" and m["data"]["status"] == "paused")
        paused_at = wait_run(a.url, rid, lambda r: r["status"] == "paused")["progress"]["step"]
        time.sleep(0.5)
        assert httpx.get(f"{a.url}/api/runs/{rid}").json()["progress"]["step"] == paused_at

        r = httpx.patch(f"{b.url}/api/runs/{rid}", json={"lr": 0.0025}, timeout=10)
        assert r.status_code == 200, r.text
        assert httpx.post(f"{b.url}/api/runs/{rid}/resume", timeout=10).status_code == 200
        step = until(ws, lambda m: m["type"] == "step" and m["data"].get("lr") == 0.0025)
        assert step["data"]["step"] > paused_at

        # predictions from the other server, on the snapshot the Ray worker published
        for server in (a, b):
            p = httpx.post(f"{server.url}/api/runs/{rid}/predict",
                           json={"points": [[0.1, 0.2]]}, timeout=10)
            assert p.status_code == 200, p.text
            assert abs(sum(p.json()["probs"][0]) - 1) < 1e-4

        assert httpx.post(f"{b.url}/api/runs/{rid}/stop", timeout=10).status_code == 200
        end = until(ws, lambda m: m["type"] == "status" and m["data"]["status"] == "stopped")
        assert end["run"] == rid
    for server in (a, b):
        run = wait_run(server.url, rid, lambda r: r["status"] == "stopped")
        assert run["history"]["steps"]
    # the stopped run's last weights are in the shared folder: predictions still work
    # from both servers after the job's actor is gone
    p = httpx.post(f"{b.url}/api/runs/{rid}/predict", json={"points": [[0.1, 0.2]]})
    assert p.status_code == 200, p.text
    assert (cluster.shared / "run-weights" / f"run-{rid}.npz").exists()


def test_a_run_waits_for_a_free_node_and_can_be_stopped_before_it_starts(
        cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    busy = [httpx.post(a.url + "/api/runs", json=LONG_TOY, timeout=30).json()["id"]
            for _ in range(2)]  # one per Ray node's only CPU
    for rid in busy:
        wait_run(b.url, rid, lambda r: r["status"] == "running")
    waiting = httpx.post(b.url + "/api/runs", json=LONG_TOY, timeout=30).json()["id"]
    time.sleep(1.0)
    assert httpx.get(f"{a.url}/api/runs/{waiting}").json()["status"] == "queued"
    listing = httpx.get(a.url + "/api/jobs").json()
    assert waiting in listing["queue"] and listing["running"] == 2
    assert httpx.post(f"{a.url}/api/runs/{waiting}/stop", timeout=10).status_code == 200
    run = wait_run(b.url, waiting, lambda r: r["status"] == "stopped", timeout=10)
    assert run["started_at"] is None and not run["history"]["steps"]
    for rid in busy:
        httpx.post(f"{b.url}/api/runs/{rid}/stop", timeout=10)
        wait_run(a.url, rid, lambda r: r["status"] == "stopped")
