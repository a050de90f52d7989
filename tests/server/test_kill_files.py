"""kill -9 the server at ten moments (seeded) while it stores uploads and saves models: after
each restart no temporary or truncated model file is left, and every model listed loads and
predicts."""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np

from nnplayground.engine import Sequential
from nnplayground.engine.serialization import to_bytes
from tests.conftest import start_server
from tests.server.conftest import TINY_RUN

OCTETS = {"content-type": "application/octet-stream"}
# A few MB per file, so a write is long enough to be cut in the middle.
BIG = {"input_shape": [2], "layers": [{"type": "dense", "units": 600}, {"type": "relu"},
                                      {"type": "dense", "units": 600}, {"type": "dense",
                                                                        "units": 2}]}


def _traffic(url: str, run_id: int, blob: bytes, stop: threading.Event) -> None:
    i = 0
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            i += 1
            try:
                client.post("/api/models", params={"name": f"up{i % 4}"}, content=blob,
                            headers=OCTETS)
                client.post(f"/api/runs/{run_id}/save", json={"name": f"saved{i % 3}"})
            except httpx.HTTPError:
                return  # the server was killed


def test_kill_during_uploads_and_saves_leaves_no_partial_file(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    blob = to_bytes(Sequential.from_config(BIG, rng=0))
    rng = np.random.default_rng(9)
    server = start_server(data)
    run_id = httpx.post(server.url + "/api/runs", json=TINY_RUN).json()["id"]
    deadline = time.monotonic() + 60
    while httpx.get(f"{server.url}/api/runs/{run_id}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    try:
        for _ in range(10):
            stop = threading.Event()
            worker = threading.Thread(target=_traffic, args=(server.url, run_id, blob, stop))
            worker.start()
            time.sleep(float(rng.uniform(0.05, 1.0)))
            server.stop(kill=True)
            stop.set()
            worker.join(15)
            server = start_server(data, port=server.port)
            models_dir = data / "models"
            assert [p.name for p in models_dir.iterdir() if p.name.startswith(".")] == []
            for info in httpx.get(server.url + "/api/models").json():
                assert info.get("error") is None, info
                r = httpx.post(f"{server.url}/api/models/{info['name']}/predict",
                               json={"points": [[0.1, 0.2]]})
                assert r.status_code == 200, (info["name"], r.text)
    finally:
        server.stop()
