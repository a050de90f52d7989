"""A class on one server: three learners and a teacher against a real server bound to
127.0.0.2 (not localhost, so sign-in is required).  Learners cannot touch each other's
runs, lab jobs or models (403 by HTTP and WebSocket); the teacher can; a shared run is
read-only for the class; wrong codes get 401 and repeated tries are refused for a while;
the queue takes learners in turn."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import LiveServer, start_server
from tests.server.conftest import LONG_RUN

HOST = "127.0.0.2"
CLASS, TEACHER = "class-code-7f3a", "teacher-code-91bc"
TINY_LAB = {"lab": "universal_approximation", "params": {"iterations": 20000, "every": 20}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("class") / "data"
    data.mkdir()
    srv = start_server(data, host=HOST, env={
        "NNPG_ACCESS": "code", "NNPG_CLASS_CODE": CLASS, "NNPG_TEACHER_CODE": TEACHER,
        "NNPG_MAX_CONCURRENT": "2", "NNPG_LAB_IDLE_SECONDS": "30"})
    yield srv
    srv.stop()


def sign_in(server: LiveServer, name: str, code: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=20)
    r = client.post("/api/auth/login", json={"name": name, "code": code})
    assert r.status_code == 200, r.text
    return client


@pytest.fixture(scope="module")
def people(server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    clients = {n: sign_in(server, n, CLASS) for n in ("aiko", "ben", "chie")}
    clients["teacher"] = sign_in(server, "sensei", TEACHER)
    yield clients
    for c in clients.values():
        c.close()


def ws_status(server: LiveServer, path: str, client: httpx.Client | None) -> int:
    """101 when the socket opens and sends its hello, else the handshake's HTTP status."""
    headers = {}
    if client is not None:
        headers["Cookie"] = f"nnpg_session={client.cookies['nnpg_session']}"
    try:
        with connect(server.ws_url + path, additional_headers=headers, open_timeout=10) as ws:
            assert '"hello"' in ws.recv(timeout=10)
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


def stream_ids(server: LiveServer, client: httpx.Client) -> set[int]:
    """Run ids in the first state message of /ws/runs for this person."""
    cookie = f"nnpg_session={client.cookies['nnpg_session']}"
    with connect(server.ws_url + "/ws/runs", additional_headers={"Cookie": cookie}) as ws:
        for _ in range(5):
            msg = json.loads(ws.recv(timeout=10))
            if msg["type"] == "state":
                return {r["id"] for r in msg["data"]["runs"]}
    raise AssertionError("no state message on /ws/runs")


def wait_status(client: httpx.Client, run_id: int, want: set[str]) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in want:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} stayed {run['status']}, wanted {want}")


def stop_everything(teacher: httpx.Client) -> None:
    for run in teacher.get("/api/runs").json():
        if run["status"] in ("queued", "running", "paused"):
            teacher.post(f"/api/runs/{run['id']}/stop")
    for run in teacher.get("/api/runs").json():
        wait_status(teacher, run["id"], {"stopped", "completed", "failed", "interrupted"})


def test_refuses_to_start_on_a_class_address_without_an_access_mode(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(RuntimeError, match="exited with 2"):
        start_server(data, host=HOST)
    log = "".join(p.read_text() for p in tmp_path.glob("server-*.log"))
    assert "access mode" in log and "NNPG_ACCESS=code" in log


def test_the_class_link_is_printed_at_start(server: LiveServer) -> None:
    log = (server.data_dir.parent / f"server-{server.port}.log").read_text()
    assert f"http://{HOST}:{server.port}/?code={CLASS}" in log


def test_signed_out_and_wrong_codes_get_401(server: LiveServer) -> None:
    anon = httpx.Client(base_url=server.url)
    assert anon.get("/api/runs").status_code == 401
    assert anon.get("/api/models").status_code == 401
    assert anon.get("/").status_code == 200  # the page itself loads, to show the sign-in
    assert anon.get("/api/auth/me").json() == {"mode": "code", "name": None, "role": None}
    assert ws_status(server, "/ws/runs", None) == 403
    wrong = anon.post("/api/auth/login", json={"name": "eve", "code": "class-code-7f3b"})
    assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "code"
    assert anon.post("/api/auth/login", json={"name": "eve"}).status_code == 401
    assert "nnpg_session" not in anon.cookies


def test_the_session_cookie_is_httponly_and_samesite(server: LiveServer) -> None:
    r = httpx.post(server.url + "/api/auth/login", json={"name": "dai", "code": CLASS})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


def test_learners_cannot_touch_each_others_runs_the_teacher_can(
        server: LiveServer, people: dict[str, httpx.Client]) -> None:
    a, b, teacher = people["aiko"], people["ben"], people["teacher"]
    run = a.post("/api/runs", json=LONG_RUN).json()
    rid = run["id"]
    assert run["owner"] == "aiko"
    wait_status(a, rid, {"running"})
    # B: every way in is refused, by HTTP ...
    assert b.get(f"/api/runs/{rid}").status_code == 403
    for spelled in (f"+{rid}", f"0{rid}", f"{rid}%20", "٣"):  # lenient int parsing: no way round
        assert b.get(f"/api/runs/{spelled}").status_code == 403, spelled
    assert b.post(f"/api/runs/{rid}/pause").status_code == 403
    assert b.post(f"/api/runs/{rid}/stop").status_code == 403
    assert b.patch(f"/api/runs/{rid}", json={"lr": 0.1}).status_code == 403
    assert b.delete(f"/api/runs/{rid}").status_code == 403
    assert b.post(f"/api/runs/{rid}/predict", json={"points": [[0, 0]]}).status_code == 403
    assert b.post(f"/api/runs/{rid}/save", json={"name": "stolen"}).status_code == 403
    assert rid not in [r["id"] for r in b.get("/api/runs").json()]
    # ... and by WebSocket.
    for path in (f"/ws/runs/{rid}", f"/ws/jobs/{rid}"):
        assert ws_status(server, path, b) == 403
        assert ws_status(server, path, a) == 101
        assert ws_status(server, path, teacher) == 101
    # /ws/runs carries a learner's own runs only; the teacher's carries everyone's.
    assert rid not in stream_ids(server, b) and rid in stream_ids(server, a)
    assert rid in stream_ids(server, teacher)
    # The teacher sees and controls it.
    assert teacher.get(f"/api/runs/{rid}").status_code == 200
    assert rid in [r["id"] for r in teacher.get("/api/runs").json()]
    assert teacher.post(f"/api/runs/{rid}/pause").json()["status"] in ("running", "paused")
    wait_status(a, rid, {"paused"})
    assert teacher.post(f"/api/runs/{rid}/resume").status_code == 200
    # Shared with the class: B reads and predicts, still cannot control.
    assert b.post(f"/api/classroom/share/{rid}", json={"on": True}).status_code == 403
    assert a.post(f"/api/classroom/share/{rid}", json={"on": True}).status_code == 200
    assert b.get(f"/api/runs/{rid}").status_code == 200
    image = {"image": [[0.0] * 28 for _ in range(28)], "layers": False}
    assert b.post(f"/api/runs/{rid}/predict", json=image).status_code == 200
    assert ws_status(server, f"/ws/runs/{rid}", b) == 101
    for method, path in (("POST", "/pause"), ("POST", "/stop"), ("DELETE", "")):
        assert b.request(method, f"/api/runs/{rid}{path}").status_code == 403
    # A's saved model is A's alone.
    assert a.post(f"/api/runs/{rid}/save", json={"name": "aiko-net"}).status_code == 201
    assert "aiko-net" in [m["name"] for m in a.get("/api/models").json()]
    assert "aiko-net" not in [m["name"] for m in b.get("/api/models").json()]
    assert b.get("/api/models/aiko-net").status_code == 404
    assert b.delete("/api/models/aiko-net").status_code == 404
    assert a.delete("/api/models/aiko-net").status_code == 204
    assert teacher.post(f"/api/runs/{rid}/stop").status_code == 200
    wait_status(a, rid, {"stopped"})
    # The audit log says who did what.
    lines = teacher.get("/api/classroom/audit").json()
    did = {(x["actor"], x["action"], x["job_id"]) for x in lines}
    assert {("aiko", "start", rid), ("sensei", "pause", rid), ("aiko", "share", rid),
            ("sensei", "stop", rid), ("aiko", "delete_model", None)} <= did
    assert b.get("/api/classroom/audit").status_code == 403
    assert rid not in [r["id"] for r in b.get("/api/classroom/room").json()["runs"]]


def test_lab_jobs_are_private_too(server: LiveServer, people: dict[str, httpx.Client]) -> None:
    a, b, teacher = people["aiko"], people["ben"], people["teacher"]
    job = a.post("/api/labs/jobs", json=TINY_LAB)
    assert job.status_code == 202, job.text
    jid = job.json()["id"]
    assert b.get(f"/api/labs/jobs/{jid}").status_code == 403
    assert b.post(f"/api/labs/jobs/{jid}/stop").status_code == 403
    assert ws_status(server, f"/ws/labs/{jid}", b) == 403
    assert jid not in [j["id"] for j in b.get("/api/labs/jobs").json()]
    assert jid in [j["id"] for j in a.get("/api/labs/jobs").json()]
    assert teacher.post(f"/api/labs/jobs/{jid}/stop").status_code == 200


def test_a_scripts_remote_run_belongs_to_the_learner(
        people: dict[str, httpx.Client]) -> None:
    a, b, teacher = people["aiko"], people["ben"], people["teacher"]
    made = a.post("/api/runs/remote", json={"name": "notebook", "spec": LONG_RUN["spec"],
                                            "epochs": 1, "batch_size": 10,
                                            "steps_per_epoch": 5, "train_size": 50})
    assert made.status_code == 201, made.text
    rid, token = made.json()["id"], made.json()["token"]
    assert a.get(f"/api/runs/{rid}").json()["owner"] == "aiko"
    assert b.get(f"/api/runs/{rid}").status_code == 403
    events = {"token": token, "events": []}
    assert b.post(f"/api/runs/{rid}/remote/events", json=events).status_code == 403
    assert a.post(f"/api/runs/{rid}/remote/events", json=events).status_code == 200
    end = {"token": token, "status": "stopped"}
    assert b.post(f"/api/runs/{rid}/remote/end", json=end).status_code == 403
    assert a.post(f"/api/runs/{rid}/remote/end", json=end).status_code == 200
    assert teacher.get(f"/api/runs/{rid}").json()["status"] == "stopped"


def test_the_queue_takes_learners_in_turn(server: LiveServer,
                                          people: dict[str, httpx.Client]) -> None:
    """2 slots; A queues 6 runs, then B and C one each: B's and C's start before A's 3rd."""
    a, b, c, teacher = people["aiko"], people["ben"], people["chie"], people["teacher"]
    stop_everything(teacher)
    limits = {"max_running": 2, "max_queued": 10, "max_params": None, "max_epochs": None}
    assert teacher.put("/api/classroom/limits", json=limits).status_code == 200
    mine = [a.post("/api/runs", json=LONG_RUN).json()["id"] for _ in range(6)]
    for rid in mine[:2]:
        wait_status(a, rid, {"running"})
    rb = b.post("/api/runs", json=LONG_RUN).json()["id"]
    rc = c.post("/api/runs", json=LONG_RUN).json()["id"]
    # Each learner sees their place in the queue and why.
    [b_place] = b.get("/api/classroom/queue").json()
    a_places = {q["id"]: q for q in a.get("/api/classroom/queue").json()}
    assert b_place["id"] == rb and b_place["position"] == 1
    assert b_place["reason"] == "slots_busy"
    assert a_places[mine[2]]["position"] == 3 and a_places[mine[2]]["reason"] == "own_limit"
    assert a.post(f"/api/runs/{mine[0]}/stop").status_code == 200
    wait_status(b, rb, {"running"})
    assert a.get(f"/api/runs/{mine[2]}").json()["status"] == "queued"
    assert a.post(f"/api/runs/{mine[1]}/stop").status_code == 200
    wait_status(c, rc, {"running"})
    assert a.get(f"/api/runs/{mine[2]}").json()["status"] == "queued"
    # The room table has everyone's runs with the columns the teacher reads.
    rows = {r["id"]: r for r in teacher.get("/api/classroom/room").json()["runs"]}
    assert rows[rb]["learner"] == "ben" and rows[rc]["learner"] == "chie"
    assert rows[rb]["optimizer"] == "sgd" and rows[rb]["lr"] == 0.05
    assert rows[mine[2]]["status"] == "queued"
    stop_everything(teacher)


def test_class_limits_refuse_with_the_field_named(people: dict[str, httpx.Client]) -> None:
    a, teacher = people["aiko"], people["teacher"]
    limits = {"max_running": 1, "max_queued": 0, "max_params": 1000, "max_epochs": 5}
    assert teacher.put("/api/classroom/limits", json=limits).status_code == 200
    r = a.post("/api/runs", json=LONG_RUN)
    assert r.status_code == 429 and r.json()["error"]["field"] == "max_queued"
    limits["max_queued"] = 5
    teacher.put("/api/classroom/limits", json=limits)
    r = a.post("/api/runs", json=LONG_RUN)
    assert r.status_code == 422 and r.json()["error"]["field"] == "epochs"
    r = a.post("/api/runs", json={**LONG_RUN, "epochs": 2})
    assert r.status_code == 422 and r.json()["error"]["field"] == "spec"
    assert teacher.post("/api/runs", json={**LONG_RUN, "epochs": 1}).status_code == 201
    stop_everything(teacher)


def test_the_teacher_hands_out_an_experiment(people: dict[str, httpx.Client]) -> None:
    a, teacher = people["aiko"], people["teacher"]
    exp = {"config": "eyJzcGVjIjp7ImxheWVycyI6W119fQ", "note": "学習率を 0.1 にしてみよう"}
    assert a.put("/api/classroom/experiment", json=exp).status_code == 403
    bad = teacher.put("/api/classroom/experiment", json={**exp, "config": "a b"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "config"
    assert teacher.put("/api/classroom/experiment", json=exp).status_code == 200
    got = a.get("/api/classroom").json()
    assert got["experiment"] == {**exp, "by": "sensei"} and got["role"] == "learner"
    assert teacher.delete("/api/classroom/experiment").status_code == 200
    assert a.get("/api/classroom").json()["experiment"] is None


def test_repeated_wrong_codes_are_slowed_then_refused(server: LiveServer) -> None:
    """Runs last: the sign-in throttle counts per address, and every client here is one."""
    anon = httpx.Client(base_url=server.url, timeout=30)
    for _ in range(5):
        assert anon.post("/api/auth/login",
                         json={"name": "eve", "code": "guess"}).status_code == 401
    locked = anon.post("/api/auth/login", json={"name": "eve", "code": CLASS})
    assert locked.status_code == 429  # even the right code, until the minute is over
    assert 1 <= int(locked.headers["retry-after"]) <= 60
