"""A script's fit streamed to a real server (callbacks.Playground): the run arrives over the
WebSocket with its steps and epochs; killing the server mid-fit lets the script finish its
training with a single warning."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import ROOT, start_server

SCRIPT = ROOT / "tests" / "keras" / "playground_script.py"


def find_run(url: str, name: str, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in httpx.get(url + "/api/runs", timeout=5).json():
            if run["name"] == name:
                return run["id"]
        time.sleep(0.1)
    raise AssertionError(f"run {name!r} never appeared")


def test_script_streams_then_survives_the_server_dying(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data)
    script = subprocess.Popen(
        [sys.executable, str(SCRIPT), server.url, "live script", "8", "0.03"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        rid = find_run(server.url, "live script")
        seen: dict[str, int] = {}
        step_numbers: list[int] = []
        with connect(f"{server.ws_url}/ws/runs/{rid}") as ws:
            deadline = time.monotonic() + 60
            while "epoch" not in seen or len(step_numbers) < 3:
                assert time.monotonic() < deadline, seen
                msg = json.loads(ws.recv(timeout=30))
                seen[msg["type"]] = seen.get(msg["type"], 0) + 1
                if msg["type"] == "state":
                    assert msg["data"]["kind"] == "remote"
                    assert msg["data"]["config"]["spec"]["layers"][0]["units"] == 64
                if msg["type"] == "step":
                    step_numbers.append(msg["data"]["step"])
                if msg["type"] == "epoch":
                    # epochs that ended before the socket opened are in the state
                    assert msg["data"]["step"] == 45 * msg["data"]["epoch"]
                    assert 0 < msg["data"]["val_accuracy"] <= 1
        assert step_numbers == sorted(step_numbers) and step_numbers[0] >= 1
        assert seen["hello"] == 1 and seen["state"] == 1
        assert seen.get("weights", 0) + seen.get("activations", 0) > 0  # probes from weights
        assert script.poll() is None, "the script ended before the server was killed"
        server.stop(kill=True)
        out, err = script.communicate(timeout=180)
    finally:
        if script.poll() is None:
            script.kill()
        server.stop(kill=True)
    assert script.returncode == 0, err
    assert out.strip() == "epochs 8"  # training went on to the end
    assert err.count("PlaygroundWarning") == 1, err
    assert "stopped answering" in err and server.url in err


def test_no_server_one_warning_and_training_completes(tmp_path: Path) -> None:
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([sys.executable, str(SCRIPT), url, "nobody listens", "2", "0"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "epochs 2"
    assert done.stderr.count("PlaygroundWarning") == 1
    assert "no nn-playground server answers" in done.stderr
    assert "playground_script.py" in done.stderr  # the warning points at the script's fit


pytestmark = pytest.mark.timeout(300)
