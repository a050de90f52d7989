"""Faults on the cluster: a Ray worker killed mid-run, an app server killed under its
watchers, PostgreSQL restarted under the app servers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import httpx
from websockets.sync.client import connect

from tests.cluster.conftest import Cluster, placements, ray, wait_run
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


def _hosts(cluster: Cluster) -> list[int]:
    """The pids of every job host actor, each made first if no job has made it yet."""
    from nnplayground.jobs.ray_actor import JobHost
    from nnplayground.jobs.ray_executor import JOB_HOSTS, NAMESPACE, host_name

    if not ray.is_initialized():
        ray.init(address=cluster.ray.address, namespace=NAMESPACE, log_to_driver=False)
    for i in range(JOB_HOSTS):  # the options the app servers use (RayExecutor.submit)
        host = ray.remote(JobHost).options(
            name=host_name(i), namespace=NAMESPACE, lifetime="detached", num_cpus=0,
            max_concurrency=1000, max_restarts=0, get_if_exists=True
        ).remote(cluster.env["NNPG_DATABASE_URL"])
        with contextlib.suppress(ray.exceptions.RayTaskError):  # no job 0: it is up
            ray.get(host.call.remote(0, "state"), timeout=60)
    found = subprocess.run(["pgrep", "-f", "ray::JobHost"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_run_the_cluster_does_not_take_in_time_is_a_503_and_never_starts(
        cluster: Cluster) -> None:
    """Seen with both cores starved: RayExecutor.submit's call to the job's host timed out,
    and the API answered 500 with the job left queued.  Here every host is frozen."""
    from nnplayground.jobs.ray_executor import CALL_TIMEOUT

    pids = _hosts(cluster)
    assert len(pids) >= 4, pids
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        r = httpx.post(cluster.a.url + "/api/runs", json=TINY_RUN, timeout=60)
        waited = time.monotonic() - t0
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)  # the hosts now get to the pending call
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "cluster_unavailable" and err["params"] == {"seconds": CALL_TIMEOUT}
    assert CALL_TIMEOUT <= waited < CALL_TIMEOUT + 20
    runs = httpx.get(cluster.b.url + "/api/runs", timeout=10).json()
    (row,) = [run for run in runs if run["status"] not in ("completed", "stopped")
              and run["error"] and run["error"]["code"] == "cluster_unavailable"]
    time.sleep(3)  # a host that started it late would show it running by now
    for server in (cluster.a, cluster.b):
        run = httpx.get(f"{server.url}/api/runs/{row['id']}", timeout=10).json()
        assert run["status"] == "failed" and not run["progress"], run
    later = _create(cluster.b.url, TINY_RUN)  # the thawed cluster takes the next one
    wait_run(cluster.a.url, later, lambda r: r["status"] == "completed")
    assert httpx.get(f"{cluster.a.url}/api/runs/{row['id']}").json()["status"] == "failed"
