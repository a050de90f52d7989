"""Issue 9's items that live in the job system: kill -9 during training leaves no temporary
or truncated weights file; a run whose status write fails still ends; paginated lists;
WebSocket origins by scheme; instant labs through a bounded pool."""

from __future__ import annotations

import random
import threading
import time
from typing import Annotated

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import Field
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from nnplayground.engine import Sequential
from nnplayground.jobs.config import resolve
from nnplayground.jobs.hub import Hub
from nnplayground.jobs.service import JobService, JobSettings
from nnplayground.jobs.store import SqliteJobStore
from nnplayground.labs.registry import LABS, LabParams, lab
from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings
from tests.conftest import start_server
from tests.server.conftest import TINY_RUN

# A few MB of weights so a save takes long enough to be cut in the middle.
WIDE = {"input_shape": [2], "layers": [{"type": "dense", "units": 700}, {"type": "relu"},
                                       {"type": "dense", "units": 700}, {"type": "dense",
                                                                         "units": 2}]}
QUICK = {**TINY_RUN, "spec": WIDE, "train_size": 100, "epochs": 1, "batch_size": 50}


def test_kill_during_training_leaves_no_partial_weights(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rng = random.Random(9)
    completed: list[int] = []
    ids: list[int] = []
    port = None

    def check_after_kill(url: str) -> None:
        """What the killed server left, as the next server sees it: whole weight files only,
        and every run of the killed round completed or interrupted."""
        leftovers = [p.name for p in (data / "run-weights").iterdir()
                     if not p.name.endswith(".npz") or p.name.startswith(".")]
        assert leftovers == []
        for path in (data / "run-weights").glob("run-*.npz"):
            Sequential.load(str(path))  # whole files only
        for rid in ids:
            row = httpx.get(f"{url}/api/runs/{rid}", timeout=20).json()
            assert row["status"] in ("completed", "interrupted")
            if row["status"] == "completed":
                completed.append(rid)

    # Ten kills; the server started after each one checks it and is the next one killed (one
    # start per round: 11 starts instead of 20, about 25 s less).
    for _ in range(10):
        server = start_server(data, port=port)
        port = server.port
        try:
            if ids:
                check_after_kill(server.url)
            for rid in completed:  # every finished run still predicts after each restart
                r = httpx.post(f"{server.url}/api/runs/{rid}/predict",
                               json={"points": [[0.1, 0.2]]}, timeout=20)
                assert r.status_code == 200, r.text
            ids = [httpx.post(server.url + "/api/runs", json=QUICK, timeout=20).json()["id"]
                   for _ in range(3)]
            time.sleep(rng.uniform(0.2, 2.0))  # somewhere in training or in a save
        finally:
            server.stop(kill=True)
    server = start_server(data, port=port)
    try:
        check_after_kill(server.url)
    finally:
        server.stop()
    assert completed, "no run finished between the kills: the test proved nothing"


class FailingStore(SqliteJobStore):
    """A store whose status writes fail once the run has started (a full disk, say)."""

    def update(self, job_id: int, **fields) -> None:
        if fields.get("status") not in (None, "queued", "running"):
            raise OSError(28, "No space left on device")
        super().update(job_id, **fields)


def test_a_failed_status_write_never_leaves_a_run_running(tmp_path) -> None:
    svc = JobService(JobSettings(weights_dir=tmp_path / "w"), FailingStore(tmp_path / "db"),
                     Hub())
    svc.start()
    try:
        run = svc.create_run(resolve(TINY_RUN))
        assert svc.live[run["id"]].done.wait(30)
        assert svc.get_run(run["id"])["status"] == "completed"  # the live state is right
    finally:
        svc.shutdown()
    again = SqliteJobStore(tmp_path / "db")  # and the next start marks the stale row
    assert again.mark_interrupted() == 1
    assert again.get(run["id"])["status"] == "interrupted"


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", max_concurrent=1))
    with TestClient(app, base_url="http://localhost") as c:
        yield c


def test_run_lists_are_paginated(client: TestClient) -> None:
    ids = [client.post("/api/runs", json={**TINY_RUN, "epochs": 1}).json()["id"]
           for _ in range(5)]
    page = client.get("/api/runs", params={"limit": 2}).json()
    assert [r["id"] for r in page] == ids[::-1][:2]
    page2 = client.get("/api/runs", params={"limit": 2, "offset": 2}).json()
    assert [r["id"] for r in page2] == ids[::-1][2:4]
    assert client.get("/api/runs", params={"limit": 10_000}).status_code == 422


def test_websocket_origins_are_compared_with_their_scheme(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data)
    try:
        with connect(f"{server.ws_url}/ws/runs", origin=server.url) as ws:
            assert ws.recv(timeout=10)
        # Same host and port, another scheme: a different origin (v1 let it through).
        https = server.url.replace("http://", "https://")
        with connect(f"{server.ws_url}/ws/runs", origin=https) as ws, \
                pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=10)
        assert info.value.rcvd.code == 1008
        # A rebinding page: Origin equal to a foreign Host header is not enough.
        evil = f"evil.example:{server.port}"
        with pytest.raises((InvalidStatus, ConnectionClosed)), \
                connect(f"{server.ws_url}/ws/runs", origin=f"http://{evil}",
                        additional_headers={"Host": evil}) as ws:
            ws.recv(timeout=10)
    finally:
        server.stop()


class SlowParams(LabParams):
    seconds: Annotated[float, Field(ge=0, le=1)] = 0.2


def test_instant_labs_run_through_a_bounded_pool(tmp_path) -> None:
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    @lab("test_slow_instant", SlowParams, kind="instant", route="/test-slow")
    def slow(seconds: float) -> dict:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(seconds)
        with lock:
            state["now"] -= 1
        return {"ok": True}

    try:
        app = create_app(Settings(data_dir=tmp_path / "data"))
        with TestClient(app, base_url="http://localhost") as c:
            answers: list[int] = []
            threads = [threading.Thread(target=lambda: answers.append(
                c.post("/api/labs/test-slow", json={"seconds": 0.2}).status_code))
                for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert answers == [200] * 8
        assert state["most"] <= 2  # 8 clicks at once, never more than 2 computing
    finally:
        LABS.pop("test_slow_instant", None)


def test_runs_keep_no_training_data_once_finished(tmp_path) -> None:
    svc = JobService(JobSettings(weights_dir=tmp_path / "w"), SqliteJobStore(tmp_path / "db"),
                     Hub())
    svc.start()
    try:
        run = svc.create_run(resolve({**TINY_RUN, "train_size": 2000}))
        assert svc.live[run["id"]].done.wait(30)
        job = svc.live[run["id"]]
        held = [v for v in vars(job).values() if isinstance(v, np.ndarray)]
        assert held == []  # neither the training nor the test set stays with the run
        assert svc.evaluate(run["id"])["count"] == 100  # the test set reloads on request
    finally:
        svc.shutdown()
