"""callbacks.Playground against a stand-in server (stdlib http.server in a thread): what it
sends, in batches; a refusing or absent server never stops training."""

from __future__ import annotations

import json
import socket
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from nnplayground.engine import Sequential, layers
from nnplayground.engine.playground import Playground, PlaygroundWarning
from nnplayground.engine.serialization import load_model


class FakeServer:
    def __init__(self, weights_status: int = 200) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.weights_status = weights_status
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None: ...

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(("POST", self.path, body))
                if self.path == "/api/runs/remote":
                    return self._reply(201, {"id": 7, "token": "tok"})
                if self.path.endswith("/events"):
                    return self._reply(200, {"accepted": len(body["events"])})
                return self._reply(200, {"status": body.get("status")})

            def do_PUT(self) -> None:  # noqa: N802
                data = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append(("PUT", self.path, data))
                if fake.weights_status != 200:
                    return self._reply(fake.weights_status,
                                       {"error": {"message": "weights upload is too large"}})
                return self._reply(200, {"version": 1})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def posted(self, suffix: str) -> list[Any]:
        return [body for method, path, body in self.requests if path.endswith(suffix)]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer()
    yield srv
    srv.close()


def model_and_data() -> tuple[Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((200, 784), dtype=np.float32)
    y = rng.integers(0, 10, 200)
    model = Sequential([layers.Dense(8), layers.ReLU(), layers.Dense(10)], input_shape=(784,),
                       rng=0, name="mine")
    return model.compile("adam"), x, y


def test_sends_the_run_its_steps_epochs_weights_and_end(server: FakeServer) -> None:
    model, x, y = model_and_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlaygroundWarning)  # none expected
        model.fit(x, y, batch_size=10, epochs=2, validation_split=0.1,
                  callbacks=[Playground(server.url, weights_every=0.0, send_every=0.01)])
    (create,) = server.posted("/api/runs/remote")
    assert create["spec"] == model.get_config() and create["name"] == "mine (script)"
    assert create["dataset"] == "mnist"  # 784 inputs and 10 classes
    assert create["optimizer"]["name"] == "adam" and create["steps_per_epoch"] == 18
    events = [e for body in server.posted("/events") for e in body["events"]]
    assert [e["step"] for e in events if e["type"] == "step"] == list(range(1, 37))
    epochs = [e for e in events if e["type"] == "epoch"]
    assert [(e["epoch"], e["step"]) for e in epochs] == [(1, 18), (2, 36)]
    assert 0 <= epochs[-1]["val_accuracy"] <= 1
    assert len(server.posted("/events")) < 36  # batched, not one request per step
    uploads = [(p, d) for m, p, d in server.requests if m == "PUT"]
    assert uploads and all("token=tok" in p for p, _ in uploads)
    assert any("epoch=2" in p for p, _ in uploads)  # the end-of-epoch weights are marked
    sent = load_model(uploads[-1][1])  # a model .npz, never pickle
    for a, b in zip(sent.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    (end,) = server.posted("/end")
    assert end["status"] == "completed" and end["result"]["params"] == model.count_params()


def test_refused_weights_warn_once_and_metrics_go_on() -> None:
    server = FakeServer(weights_status=413)
    try:
        model, x, y = model_and_data()
        with pytest.warns(PlaygroundWarning, match="refused the weights") as caught:
            model.fit(x, y, batch_size=10, epochs=2, callbacks=[
                Playground(server.url, weights_every=0.0, send_every=0.01)])
        assert len(caught) == 1
        assert server.posted("/end")[0]["status"] == "completed"
        assert sum(1 for m, _, _ in server.requests if m == "PUT") == 1  # then no more tries
    finally:
        server.close()


def test_no_server_one_warning_training_unchanged() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"  # bound, never listening: refused
        a, x, y = model_and_data()
        b, _, _ = model_and_data()
        with pytest.warns(PlaygroundWarning, match="no nn-playground server answers") as caught:
            with_pg = a.fit(x, y, batch_size=10, epochs=2, callbacks=[Playground(url)])
        assert len(caught) == 1
        plain = b.fit(x, y, batch_size=10, epochs=2)
    assert with_pg.history["loss"] == plain.history["loss"]  # the same training, bit for bit


def test_a_full_buffer_drops_the_oldest_steps(server: FakeServer) -> None:
    model, x, y = model_and_data()
    pg = Playground(server.url, max_events=5, send_every=5.0)
    model.fit(x, y, batch_size=10, epochs=1, callbacks=[pg])
    assert pg.dropped == 15
    steps = [e["step"] for b in server.posted("/events") for e in b["events"]
             if e["type"] == "step"]
    assert steps == list(range(16, 21)) and server.posted("/end")[0]["result"][
        "dropped_steps"] == 15


def test_bad_url_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="http://127.0.0.1:8000"):
        Playground(url="127.0.0.1:8000")


def test_a_fit_that_raises_ends_the_run_as_failed(server: FakeServer) -> None:
    from nnplayground.engine.callbacks import LambdaCallback

    def boom(step: int, logs: dict) -> None:
        if step == 3:
            raise RuntimeError("x" * 5000)

    model, x, y = model_and_data()
    with pytest.raises(RuntimeError):
        model.fit(x, y, batch_size=10, epochs=1,
                  callbacks=[Playground(server.url), LambdaCallback(on_batch_end=boom)])
    (end,) = server.posted("/end")
    assert end["status"] == "failed" and end["error"] == "x" * 1000


def test_an_empty_batch_says_still_training(server: FakeServer, monkeypatch) -> None:
    import time

    from nnplayground.engine import playground
    from nnplayground.engine.callbacks import LambdaCallback

    monkeypatch.setattr(playground, "HEARTBEAT", 0.0)
    model, x, y = model_and_data()
    slow = LambdaCallback(on_epoch_end=lambda epoch, logs: time.sleep(0.3))  # a long step
    model.fit(x, y, batch_size=100, epochs=2, callbacks=[
        Playground(server.url, send_every=0.02), slow])
    assert any(body["events"] == [] for body in server.posted("/events"))
