"""WebSocket streams against a real uvicorn server in a subprocess (websockets client)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import LiveServer, start_server
from tests.server.conftest import LONG_RUN, TINY_RUN


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("ws") / "data"
    data.mkdir()
    srv = start_server(data, env={"NNPG_MAX_CONCURRENT": "4"})
    yield srv
    srv.stop()


def create(server: LiveServer, **patch) -> int:
    r = httpx.post(server.url + "/api/runs", json={**LONG_RUN, **patch}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def stop(server: LiveServer, run_id: int) -> None:
    httpx.post(f"{server.url}/api/runs/{run_id}/stop", timeout=10)


def recv(ws: ClientConnection, timeout: float = 10.0) -> dict:
    msg = json.loads(ws.recv(timeout=timeout))
    assert msg["v"] == 2 and set(msg) == {"v", "type", "run", "seq", "data"}
    return msg


def until(ws: ClientConnection, pred, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        msg = recv(ws, max(deadline - time.monotonic(), 0.01))
        if pred(msg):
            return msg


def test_late_join_catches_up(server: LiveServer) -> None:
    rid = create(server, **TINY_RUN)
    deadline = time.monotonic() + 15
    while httpx.get(f"{server.url}/api/runs/{rid}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with connect(f"{server.ws_url}/ws/runs/{rid}") as ws:
        hello, state = recv(ws), recv(ws)
    assert hello["type"] == "hello" and hello["data"]["protocol"] == 2
    assert state["type"] == "state" and state["data"]["status"] == "completed"
    assert len(state["data"]["history"]["steps"]) == 20
    assert [e["epoch"] for e in state["data"]["history"]["epochs"]] == [1, 2]
    # The final weights' histograms were sent before anyone watched; the state carries them
    # (CI: the page showed none when a 40-step run ended before its socket opened).
    assert state["data"]["activations"]["step"] == 20
    assert state["data"]["activations"]["layers"]


def test_stream_rate_contents_and_stop_within_half_a_second(server: LiveServer) -> None:
    rid = create(server)
    with connect(f"{server.ws_url}/ws/runs/{rid}?rate=5") as ws:
        assert recv(ws)["data"]["rate"] == 5
        assert recv(ws)["type"] == "state"
        until(ws, lambda m: m["type"] == "step")
        seen: dict[str, int] = {}
        steps = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.0:
            msg = recv(ws)
            seen[msg["type"]] = seen.get(msg["type"], 0) + 1
            if msg["type"] == "step":
                steps.append(msg["data"])
        # 5/s over 2 s, +-2 for the window edges; an epoch end also flushes its interval's
        # mean early (so no step is hidden), which may add one step message per epoch.
        assert 8 <= len(steps) <= 12 + seen.get("epoch", 0), (len(steps), seen)
        # each message carries the mean over its interval: counts add up to the steps done
        assert sum(s["count"] for s in steps[1:]) == steps[-1]["step"] - steps[0]["step"]
        assert all(s["loss"] is not None and s["steps_per_sec"] > 0 for s in steps)
        assert seen.get("activations") and seen.get("weights")
        ws.send(json.dumps({"type": "rate", "value": 20}))
        ws.send(json.dumps({"type": "rate", "value": "fast"}))
        assert until(ws, lambda m: m["type"] == "error")["data"]["code"] == "bad_message"
        t0 = time.perf_counter()
        stop(server, rid)
        msg = until(ws, lambda m: m["type"] == "status" and m["data"]["status"] == "stopped")
        elapsed = time.perf_counter() - t0
    assert elapsed < 0.5, elapsed
    assert msg["run"] == rid


def test_conv_filters_and_layer_choice(server: LiveServer) -> None:
    spec = {"input_shape": [1, 28, 28], "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3}, {"type": "relu"},
        {"type": "conv2d", "filters": 3, "kernel_size": 3}, {"type": "relu"},
        {"type": "flatten"}, {"type": "dense", "units": 10}]}
    rid = create(server, spec=spec, probe_every=5)
    try:
        with connect(f"{server.ws_url}/ws/runs/{rid}") as ws:
            f = until(ws, lambda m: m["type"] == "filters")
            assert f["data"]["layer"] == 0 and f["data"]["shape"] == [4, 1, 3, 3]
            ws.send(json.dumps({"type": "filters", "layer": 2}))
            f = until(ws, lambda m: m["type"] == "filters" and m["data"]["layer"] == 2)
            assert len(f["data"]["kernels"]) == 3 and len(f["data"]["kernels"][0]) == 4
            ws.send(json.dumps({"type": "filters", "layer": 1}))
            err = until(ws, lambda m: m["type"] == "error")
            assert "not a conv2d layer" in err["data"]["message"]
    finally:
        stop(server, rid)


def test_divergence_is_reported_with_the_step(server: LiveServer) -> None:
    # MSE is unbounded, so lr=100 overflows float32 within ~10 steps (softmax cross-entropy
    # clips its log and would stay finite while the ReLUs die).
    rid = create(server, optimizer={"name": "sgd", "lr": 100.0}, batch_size=50, loss="mse")
    with connect(f"{server.ws_url}/ws/runs/{rid}") as ws:
        msg = until(ws, lambda m: m["type"] in ("status", "state")
                    and m["data"]["status"] == "diverged")
    err = msg["data"]["error"]
    assert err["code"] == "diverged" and isinstance(err["step"], int) and err["step"] >= 1
    run = httpx.get(f"{server.url}/api/runs/{rid}").json()
    assert run["status"] == "diverged" and run["error"]["step"] == err["step"]
    assert run["history"]["steps"][-1] == [err["step"], None]  # JSON has no NaN


def test_disconnect_mid_run_leaves_run_going(server: LiveServer) -> None:
    rid = create(server)
    with connect(f"{server.ws_url}/ws/runs/{rid}?rate=60") as ws:
        step = until(ws, lambda m: m["type"] == "step")["data"]["step"]
    time.sleep(0.5)
    run = httpx.get(f"{server.url}/api/runs/{rid}").json()
    assert run["status"] == "running" and run["progress"]["step"] > step
    assert httpx.get(server.url + "/api/health").json()["status"] == "ok"
    stop(server, rid)


def test_all_runs_stream_and_origin_check(server: LiveServer) -> None:
    with connect(f"{server.ws_url}/ws/runs") as ws:
        assert recv(ws)["type"] == "hello"
        assert isinstance(recv(ws)["data"]["runs"], list)
        rid = create(server, **TINY_RUN)
        msg = until(ws, lambda m: m["type"] == "status" and m["run"] == rid
                    and m["data"]["status"] == "completed")
        assert msg["data"]["id"] == rid
    with connect(f"{server.ws_url}/ws/runs", origin=server.url) as ws:  # same host:port: fine
        assert recv(ws)["type"] == "hello"
    with connect(f"{server.ws_url}/ws/runs", origin="http://evil.example") as ws, \
            pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=5)
    assert info.value.rcvd.code == 1008
    with connect(f"{server.ws_url}/ws/runs/99999") as ws:
        assert recv(ws)["type"] == "error"


def test_a_person_holds_at_most_max_sockets_per_user(tmp_path) -> None:
    """The fourth socket of one person, with a limit of 3, is told why and closed; the
    count goes down as sockets close, whichever stream they were and however they ended."""
    data = tmp_path / "data"
    data.mkdir()
    srv = start_server(data, env={"NNPG_MAX_SOCKETS_PER_USER": "3"})
    try:
        with contextlib.ExitStack() as stack:
            rid = create(srv, **TINY_RUN)
            held = [stack.enter_context(connect(f"{srv.ws_url}/ws/{path}"))
                    for path in ("runs", "runs", f"runs/{rid}")]
            for ws in held:
                assert recv(ws)["type"] == "hello"
            with connect(f"{srv.ws_url}/ws/jobs/{rid}") as ws:
                err = recv(ws)
                assert err["type"] == "error" and err["data"]["code"] == "too_many_sockets"
                assert err["data"]["params"] == {"limit": 3}
                with pytest.raises(ConnectionClosed) as info:
                    ws.recv(timeout=5)
                assert info.value.rcvd.code == 1008
            held.pop().close()
            deadline = time.monotonic() + 10  # the server sees the close a moment later
            while True:
                with connect(f"{srv.ws_url}/ws/runs") as ws:
                    if recv(ws)["type"] == "hello":
                        break
                assert time.monotonic() < deadline, "the closed socket was never given back"
                time.sleep(0.1)
    finally:
        srv.stop()
