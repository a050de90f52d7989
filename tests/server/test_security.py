"""Who may talk to the server: Host allow-list, Origin/Sec-Fetch-Site on state-changing
requests, JSON-only bodies, chunked bodies counted against the limit, WebSocket origins
compared by scheme, host and port."""

from __future__ import annotations

import pytest

from nnplayground.server import security
from nnplayground.server.settings import Settings

S = Settings(port=8000, allowed_hosts=["play.example", "lab.example:9000"],
             allowed_origins=["https://play.example"])


@pytest.mark.parametrize(("host", "ok"), [
    ("localhost:8000", True), ("127.0.0.1", True), ("[::1]:8000", True), ("LOCALHOST", True),
    ("play.example", True), ("play.example:1234", True), ("lab.example:9000", True),
    ("lab.example:9001", False), ("evil.example:8000", False), ("", False), (None, False),
    ("localhost:99999", False), ("localhost:x", False), ("127.0.0.1.evil.example", False),
    ("192.168.1.5:8000", True), ("[fe80::1]:8000", True),  # IP literals: no rebinding
    ("[::1", False),
])
def test_host_allow_list(host, ok) -> None:
    assert security.host_allowed(host, S) is ok


@pytest.mark.parametrize(("origin", "ok"), [
    ("http://localhost:8000", True), ("http://127.0.0.1:8000", True),
    ("http://[::1]:8000", True), ("https://play.example", True),
    ("https://play.example:443", True),
    # the scheme counts: this origin was let through when only host:port was compared
    ("https://127.0.0.1:8000", False),
    ("http://127.0.0.1:8001", False), ("http://127.0.0.2:8000", False),
    ("http://play.example", False), ("null", False), ("", False),
    ("http://localhost:8000/path", False), ("http://user@localhost:8000", False),
    (None, True),  # not a browser
])
def test_origin_allow_list(origin, ok) -> None:
    assert security.origin_allowed(origin, S) is ok


def test_the_page_served_under_an_allowed_host_may_act() -> None:
    lan = "192.168.1.5:8000"
    assert security.origin_allowed("http://192.168.1.5:8000", S, host=lan)
    assert not security.origin_allowed("https://192.168.1.5:8000", S, host=lan)
    assert not security.origin_allowed("http://192.168.1.5:8001", S, host=lan)
    assert not security.origin_allowed("http://evil.example:8000", S, host="evil.example:8000")


def test_the_port_actually_listened_on_counts() -> None:
    assert not security.origin_allowed("http://127.0.0.1:5555", S)
    assert security.origin_allowed("http://127.0.0.1:5555", S, server_port=5555)


def test_foreign_host_is_refused(client) -> None:
    r = client.get("/api/health", headers={"host": "evil.example:8000"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "host"
    assert client.get("/", headers={"host": "rebound.attacker.test"}).status_code == 400
    assert client.get("/api/health", headers={"host": "127.0.0.1:8000"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/runs/1/stop", "/api/runs/1/pause", "/api/models/x",
                                  "/api/models?name=planted", "/api/runs"])
def test_foreign_origin_cannot_change_state(client, path) -> None:
    method = "DELETE" if path == "/api/models/x" else "POST"
    for origin in ("http://127.0.0.2:8000", "https://localhost:80", "null"):
        r = client.request(method, path, headers={"origin": origin})
        assert r.status_code == 403, (path, origin, r.text)
        assert r.json()["error"]["code"] == "forbidden_origin"
    r = client.request(method, path, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403 and r.json()["error"]["field"] == "sec-fetch-site"


def test_own_origin_and_reads_are_allowed(client) -> None:
    own = {"origin": "http://localhost"}  # the TestClient's base URL, port 80 as listened on
    assert client.post("/api/runs/999999/stop", headers=own).status_code == 404
    assert client.post("/api/runs/999999/stop", headers={"sec-fetch-site": "same-origin"}) \
        .status_code == 404
    # reading needs no check here: the browser keeps another origin from reading the answer
    assert client.get("/api/runs", headers={"origin": "http://evil.example"}).status_code == 200


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", None])
def test_bodies_must_be_json(client, ctype) -> None:
    headers = {"content-type": ctype} if ctype else {}
    r = client.post("/api/specs/validate", content=b'{"spec": {}}', headers=headers)
    assert r.status_code == 415 and r.json()["error"]["field"] == "content-type"
    r = client.post("/api/runs/1/pause", content=b"x=1", headers=headers)
    assert r.status_code == 415


def test_upload_must_declare_its_type(client) -> None:
    r = client.post("/api/models?name=x", content=b"PK\x03\x04",
                    headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "application/octet-stream" in r.json()["error"]["message"]


def test_chunked_body_is_counted_against_the_limit(client) -> None:
    limit = client.app.state.services.settings.max_request_bytes
    piece = b" " * 65536

    def chunks():  # a generator body is sent chunked, without Content-Length
        for _ in range(limit // len(piece) + 2):
            yield piece

    r = client.post("/api/specs/validate", content=chunks(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and "max_request_bytes" in r.json()["error"]["message"]

    def small():
        yield b'{"spec": {"input_shape": [2], '
        yield b'"layers": [{"type": "dense", "units": 2}]}}'

    r = client.post("/api/specs/validate", content=small(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["total_params"] == 6


def test_websocket_with_foreign_host_is_refused(client) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), \
            client.websocket_connect("/ws/runs/1", headers={"host": "evil.example"}):
        pass
