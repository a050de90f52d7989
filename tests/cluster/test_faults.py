"""Faults on the cluster: a Ray worker killed mid-run, an app server killed under its
watchers, PostgreSQL restarted under the app servers."""

from __future__ import annotations

import os
import signal

import httpx
from websockets.sync.client import connect

from tests.cluster.conftest import Cluster, placements, wait_run
from tests.cluster.test_two_servers import LONG_TOY
from tests.server.conftest import TINY_RUN
from tests.server.routers.test_ws import recv, until


def _create(url: str, config: dict) -> int:
    r = httpx.post(url + "/api/runs", json=config, timeout=30)
    assert r.status_code == 201 or r.status_code == 200, r.text
    return r.json()["id"]


def _stepping(url: str, rid: int, beyond: int = 0) -> int:
    return wait_run(url, rid, lambda r: (r["progress"] or {}).get("step", 0) > beyond
                    )["progress"]["step"]


def test_a_killed_ray_worker_fails_its_run_and_spares_the_others(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    victim, other = _create(a.url, LONG_TOY), _create(b.url, LONG_TOY)
    where = placements(cluster.ray, victim)[0]
    _stepping(a.url, other)
    os.kill(where["pid"], signal.SIGKILL)  # the Ray worker process training the victim
    for server in (a, b):
        run = wait_run(server.url, victim, lambda r: r["status"] == "failed")
        assert run["error"]["code"] == "worker_lost"
        assert str(where["pid"]) in run["error"]["message"]
    step = _stepping(a.url, other)
    assert _stepping(b.url, other, beyond=step) > step  # the other run goes on
    httpx.post(f"{a.url}/api/runs/{other}/stop", timeout=10)
    wait_run(b.url, other, lambda r: r["status"] == "stopped")


def test_watchers_of_a_killed_app_server_catch_up_on_another(cluster: Cluster,
                                                             tmp_path) -> None:
    (tmp_path / "c").mkdir()
    c = cluster.server(tmp_path / "c")
    try:
        done = _create(c.url, TINY_RUN)
        finished = wait_run(c.url, done, lambda r: r["status"] == "completed")
        rid = _create(c.url, LONG_TOY)
        with connect(f"{c.ws_url}/ws/runs/{rid}") as ws:
            recv(ws), recv(ws)
            seen = until(ws, lambda m: m["type"] == "step", timeout=60)["data"]["step"]
    finally:
        c.stop(kill=True)  # SIGKILL: the server that started both runs is gone
    with connect(f"{cluster.a.ws_url}/ws/runs/{rid}") as ws:  # the page reconnects to A
        assert recv(ws)["type"] == "hello"
        state = recv(ws)["data"]
        assert state["status"] == "running" and state["progress"]["step"] >= seen
        assert state["history"]["steps"][-1][0] >= seen  # the whole curve so far
        later = until(ws, lambda m: m["type"] == "step")["data"]
        assert later["step"] > state["progress"]["step"]
    again = httpx.get(f"{cluster.b.url}/api/runs/{done}").json()
    assert again["status"] == "completed"
    assert again["history"] == finished["history"]
    p = httpx.post(f"{cluster.b.url}/api/runs/{done}/predict", json={"points": [[0.1, 0.2]]})
    assert p.status_code == 200, p.text
    httpx.post(f"{cluster.b.url}/api/runs/{rid}/stop", timeout=10)
    wait_run(cluster.a.url, rid, lambda r: r["status"] == "stopped")


def test_app_servers_and_jobs_carry_on_after_a_postgres_restart(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    rid = _create(a.url, {**LONG_TOY, "epochs": 3, "train_size": 1500})
    _stepping(b.url, rid)
    cluster.pg.restart()  # every connection of servers and job actors is cut
    new = _create(b.url, TINY_RUN)  # the server's store reconnects on its own
    wait_run(a.url, new, lambda r: r["status"] == "completed")
    run = wait_run(b.url, rid, lambda r: r["status"] == "completed", timeout=120)
    assert [e["epoch"] for e in run["history"]["epochs"]] == [1, 2, 3]
    stored = httpx.get(f"{a.url}/api/runs").json()
    assert {r["id"]: r["status"] for r in stored}[rid] == "completed"
