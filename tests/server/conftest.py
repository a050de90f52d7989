"""Server test helpers: an in-process app (TestClient) on a temporary data dir, and small
run configurations that train in well under a second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings

TINY_MLP = {"input_shape": [2], "layers": [
    {"type": "dense", "units": 8}, {"type": "tanh"}, {"type": "dense", "units": 2}]}
TINY_RUN: dict[str, Any] = {"spec": TINY_MLP, "dataset": "xor", "train_size": 200,
                            "test_size": 100, "epochs": 2, "batch_size": 20,
                            "optimizer": {"name": "adam", "lr": 0.01}}
MNIST_MLP = {"input_shape": [784], "layers": [
    {"type": "dense", "units": 32}, {"type": "relu"}, {"type": "dense", "units": 10}]}
# Long enough to pause/stop/watch (thousands of tiny steps), stopped by the tests.
LONG_RUN: dict[str, Any] = {"spec": MNIST_MLP, "dataset": "mnist", "train_size": 2000,
                            "test_size": 200, "epochs": 200, "batch_size": 10,
                            "optimizer": {"name": "sgd", "lr": 0.05}, "probe_every": 20}


def wait_for(client: Any, run_id: int, statuses: set[str], timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run_id} stayed {run['status']}, wanted {statuses}")


def wait_steps(client: Any, run_id: int, steps: int, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if (run.get("progress") or {}).get("step", 0) >= steps:
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run_id} did not reach step {steps}")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("srv") / "data"
    app = create_app(Settings(data_dir=data, max_concurrent=2, max_upload_bytes=2_000_000))
    with TestClient(app, base_url="http://localhost") as c:
        yield c
