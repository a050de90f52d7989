"""The one job system end to end, against a real server process: a lab job and a training
run share one queue and one socket protocol, both stop, both are in history after a
restart; a lab's events are pushed to its socket, not polled."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Annotated

import httpx
import pytest
import uvicorn
from pydantic import Field
from websockets.sync.client import ClientConnection, connect

from nnplayground.labs.base import QUIET, Hooks
from nnplayground.labs.registry import LABS, LabParams, lab
from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings
from tests.conftest import free_port, start_server
from tests.server.conftest import TINY_RUN

LONG_TOY = {**TINY_RUN, "train_size": 5000, "batch_size": 5, "epochs": 200}
LONG_LAB = {"lab": "universal_approximation", "params": {"iterations": 20000, "every": 20}}
ENVELOPE = {"v", "type", "run", "seq", "data"}


def recv(ws: ClientConnection, timeout: float = 15.0) -> dict:
    msg = json.loads(ws.recv(timeout=timeout))
    assert set(msg) == ENVELOPE and msg["v"] == 2, msg
    return msg


def until_status(ws: ClientConnection, statuses: set[str], seen: list[dict],
                 timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = recv(ws, max(deadline - time.monotonic(), 0.1))
        seen.append(msg)
        if msg["type"] == "status" and msg["data"]["status"] in statuses:
            return msg
    raise AssertionError(f"no status in {statuses}; last {seen[-1:]}")


def test_a_lab_job_and_a_run_share_one_queue_and_one_protocol(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data, env={"NNPG_MAX_CONCURRENT": "1",
                                     "NNPG_LAB_IDLE_SECONDS": "60"})
    try:
        lab_job = httpx.post(server.url + "/api/labs/jobs", json=LONG_LAB).json()
        run = httpx.post(server.url + "/api/runs", json=LONG_TOY).json()
        lab_id, run_id = lab_job["id"], run["id"]
        with connect(f"{server.ws_url}/ws/labs/{lab_id}") as lab_ws, \
                connect(f"{server.ws_url}/ws/runs/{run_id}") as run_ws:
            lab_row, lab_progress = _watch_both(server.url, lab_ws, run_ws, lab_id, run_id)
    finally:
        server.stop()

    server = start_server(data, port=server.port)  # both are history now
    try:
        lab_row = httpx.get(f"{server.url}/api/labs/jobs/{lab_id}").json()
        assert lab_row["status"] == "stopped" and len(lab_row["progress"]) == lab_progress
        assert lab_row["result"]["x"]  # the fit so far, kept
        assert lab_id in [j["id"] for j in httpx.get(server.url + "/api/labs/jobs").json()]
        run_row = httpx.get(f"{server.url}/api/runs/{run_id}").json()
        assert run_row["status"] == "stopped" and run_row["history"]["steps"]
        with connect(f"{server.ws_url}/ws/labs/{lab_id}") as ws:  # a late joiner
            hello, state = recv(ws), recv(ws)
            assert hello["type"] == "hello" and state["type"] == "state"
            assert state["data"]["status"] == "stopped"
            assert len(state["data"]["progress"]) == lab_progress
    finally:
        server.stop()


def _watch_both(url: str, lab_ws: ClientConnection, run_ws: ClientConnection, lab_id: int,
                run_id: int) -> tuple[dict, int]:
    lab_msgs, run_msgs = [recv(lab_ws), recv(lab_ws)], [recv(run_ws), recv(run_ws)]
    for msgs in (lab_msgs, run_msgs):  # the same opening on both sockets
        assert [m["type"] for m in msgs] == ["hello", "state"]
        assert msgs[0]["data"]["protocol"] == 2
    assert lab_msgs[0]["data"]["kind"] == "lab" and run_msgs[0]["data"]["kind"] == "train"

    # One slot: the lab runs, the run waits behind it with a visible place in the queue.
    if lab_msgs[1]["data"]["status"] == "queued":
        until_status(lab_ws, {"running"}, lab_msgs)
    queue = httpx.get(url + "/api/jobs").json()
    assert queue["slots"] == 1 and queue["queue"] == [run_id]
    assert httpx.get(f"{url}/api/runs/{run_id}").json()["queue_position"] == 1
    assert run_msgs[1]["data"]["status"] == "queued"

    assert httpx.post(f"{url}/api/labs/jobs/{lab_id}/stop").status_code == 200
    until_status(lab_ws, {"stopped"}, lab_msgs)
    assert any(m["type"] == "progress" for m in lab_msgs)  # pushed partial results
    # The slot is free: now the run starts, seen on its own socket.
    until_status(run_ws, {"running"}, run_msgs)
    lab_row = httpx.get(f"{url}/api/labs/jobs/{lab_id}").json()
    run_row = httpx.get(f"{url}/api/runs/{run_id}").json()
    assert run_row["started_at"] >= lab_row["finished_at"]  # one after the other
    deadline = time.monotonic() + 20
    while not any(m["type"] == "step" for m in run_msgs):
        run_msgs.append(recv(run_ws, max(deadline - time.monotonic(), 0.1)))
    assert httpx.post(f"{url}/api/runs/{run_id}/stop").status_code == 200
    until_status(run_ws, {"stopped"}, run_msgs)
    lab_progress = len(lab_row["progress"])
    assert lab_progress > 0 and lab_row["result"] is not None
    return lab_row, lab_progress


class EchoParams(LabParams):
    count: Annotated[int, Field(ge=1, le=100)] = 20
    gap: Annotated[float, Field(ge=0, le=1)] = 0.05


@pytest.fixture
def echo_server(tmp_path) -> Iterator[str]:
    """This process's app on a real socket, with a test lab that stamps its events."""

    @lab("test_echo", EchoParams)
    def echo(count: int, gap: float, hooks: Hooks = QUIET) -> dict:
        time.sleep(0.3)  # the socket connects meanwhile
        for i in range(count):
            if hooks.stopped():
                break
            hooks.report({"i": i, "sent": time.time()})
            time.sleep(gap)
        return {"count": count}

    port = free_port()
    app = create_app(Settings(data_dir=tmp_path / "data", max_concurrent=1))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        LABS.pop("test_echo", None)


def test_lab_events_are_pushed_within_milliseconds(echo_server: str) -> None:
    job = httpx.post(f"http://{echo_server}/api/labs/jobs",
                     json={"lab": "test_echo", "params": {"count": 20, "gap": 0.05}}).json()
    delays = []
    with connect(f"ws://{echo_server}/ws/labs/{job['id']}") as ws:
        while True:
            msg = recv(ws)
            if msg["type"] == "progress":
                delays.append(time.time() - msg["data"]["sent"])
            if msg["type"] == "status" and msg["data"]["status"] == "completed":
                break
    assert len(delays) == 20
    print(f"lab event latency: median {statistics.median(delays) * 1e3:.2f} ms, "
          f"max {max(delays) * 1e3:.2f} ms")
    # A 100 ms poll (the old lab socket) gives a median near 50 ms; a push, ~1 ms.
    assert statistics.median(delays) < 0.02, delays
    assert sorted(delays)[int(0.9 * len(delays))] < 0.05, delays
