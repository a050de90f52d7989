"""The labs' HTTP and WebSocket API (server/routers/labs.py on the job system), in-process."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from nnplayground.server.app import create_app

# TestClient's websocket_connect always says Host "testserver", which the server refuses.
LOCAL = {"host": "localhost"}

@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    mp = pytest.MonkeyPatch()
    mp.setenv("NNPG_DATA_DIR", str(tmp_path_factory.mktemp("labs-api")))
    with TestClient(create_app(), base_url="http://localhost") as c:
        yield c
    mp.undo()


def test_race_defaults_are_the_books(client: TestClient) -> None:
    r = client.post("/api/labs/optimizer-race", json={})
    assert r.status_code == 200
    body = r.json()
    assert body["start"] == [-7.0, 2.0] and body["steps"] == 30
    assert body["lrs"] == {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5,
                           "rmsprop": 0.1, "adam": 0.3}
    assert len(body["grid"]["z"]) == len(body["grid"]["y"])


@pytest.mark.parametrize("path, body, field", [
    ("/api/labs/optimizer-race", {"steps": 0}, "steps"),
    ("/api/labs/optimizer-race", {"lrs": {"sgd": -1}}, "lrs.sgd"),
    ("/api/labs/optimizer-race", {"surface": "banana"}, "surface"),
    ("/api/labs/perceptron/gate", {"w1": 1, "w2": 1}, "b"),
    ("/api/labs/weight-init/histograms", {"inits": ["glorot"]}, "inits.0"),
    ("/api/labs/jobs", {"lab": "nope"}, "lab"),
    ("/api/labs/jobs", {"lab": "overfitting", "params": {"epochs": 100000}}, "params.epochs"),
    ("/api/labs/jobs", {"lab": "hyperparameter_search", "params": {"trials": 10**6}},
     "params.trials"),
    ("/api/labs/jobs", {"lab": "batch_norm", "params": {"typo": 1}}, "params.typo"),
])
def test_bad_input_is_a_422_naming_the_field(client: TestClient, path: str, body: dict,
                                              field: str) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["field"] == field and err["message"]


def test_instant_labs_answer(client: TestClient) -> None:
    assert client.post("/api/labs/perceptron/gate",
                       json={"w1": 0.5, "w2": 0.5, "b": -0.7}).json()["matches"] == ["and"]
    assert client.get("/api/labs/perceptron/xor").json()["outputs"] == [0, 1, 1, 0]
    assert client.post("/api/labs/gradient-check", json={"model": "tiny_cnn"}).json()["all_ok"]
    cost = client.post("/api/labs/nielsen/cost", json={"epochs": 10}).json()
    assert len(cost["quadratic"]["cost"]) == 11


def test_job_streams_over_the_websocket(client: TestClient) -> None:
    r = client.post("/api/labs/jobs", json={"lab": "universal_approximation",
                                            "params": {"iterations": 60, "every": 20}})
    assert r.status_code == 202
    job = r.json()
    msgs = lab_messages(client, job["id"])
    assert msgs[0]["type"] == "hello" and msgs[0]["run"] == job["id"]
    assert all(m["v"] == 2 for m in msgs)
    seqs = [m["seq"] for m in msgs[1:]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    types = [m["type"] for m in msgs]
    # A late joiner finds the partial results so far in its state, the rest as events
    # (on a fast machine the job may be over before the socket opens: all in the state).
    assert len(msgs[1]["data"]["progress"]) + types.count("progress") == 4
    assert "result" in types or msgs[1]["data"]["result"] is not None
    assert msgs[-1]["data"]["status"] == "completed"
    detail = client.get(f"/api/labs/jobs/{job['id']}").json()
    assert detail["status"] == "completed" and len(detail["progress"]) == 4
    # Joining the finished job: hello, the whole state, then the server closes.
    late = lab_messages(client, job["id"])
    assert [m["type"] for m in late] == ["hello", "state"]
    assert late[1]["data"]["status"] == "completed" and len(late[1]["data"]["progress"]) == 4
    assert late[1]["data"]["result"] is not None


def lab_messages(client: TestClient, job_id: int) -> list[dict]:
    """Every message of /ws/labs/{id} until the job's end: a final status event, or a
    state that is already final (after which the server closes the socket)."""
    msgs: list[dict] = []
    with client.websocket_connect(f"/ws/labs/{job_id}", headers=LOCAL) as ws:
        while True:
            msg = ws.receive_json()
            msgs.append(msg)
            if (msg["type"] in ("status", "state")
                    and msg["data"]["status"] in ("completed", "failed", "stopped")):
                return msgs


def test_unknown_job(client: TestClient) -> None:
    assert client.get("/api/labs/jobs/999999").status_code == 404
    assert client.post("/api/labs/jobs/999999/stop").status_code == 404
    r = client.get("/api/labs/jobs/nope")  # ids are integers: a 422 naming the id
    assert r.status_code == 422 and r.json()["error"]["field"] == "job_id"
    with client.websocket_connect("/ws/labs/999999", headers=LOCAL) as ws:
        assert ws.receive_json()["type"] == "error"


def test_stop_a_running_job(client: TestClient) -> None:
    job = client.post("/api/labs/jobs", json={"lab": "universal_approximation",
                                              "params": {"iterations": 20000, "every": 10}}).json()
    deadline = time.monotonic() + 30
    while client.get(f"/api/labs/jobs/{job['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.post(f"/api/labs/jobs/{job['id']}/stop").status_code == 200
    while (status := client.get(f"/api/labs/jobs/{job['id']}").json()["status"]) == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status == "stopped"


def test_too_many_waiting_lab_jobs_are_refused(client, monkeypatch) -> None:
    monkeypatch.setattr(client.app.state.services.jobs.settings, "max_waiting_labs", 0)
    r = client.post("/api/labs/jobs", json={"lab": "overfitting", "params": {"epochs": 1}})
    assert r.status_code == 429 and "waiting" in r.json()["error"]["message"]
