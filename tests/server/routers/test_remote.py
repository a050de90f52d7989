"""The remote-run API (a script's fit streamed by callbacks.Playground), in process: create,
events, weights, end; the run then reads like any other (history, predict, evaluate)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from nnplayground.engine import Sequential
from nnplayground.engine.serialization import archive_bytes
from tests.server.conftest import MNIST_MLP


def create(client: TestClient, **patch: Any) -> dict:
    body = {"name": "from a script", "spec": MNIST_MLP, "dataset": "mnist",
            "optimizer": {"name": "adam", "lr": 0.001}, "epochs": 2, "batch_size": 50,
            "steps_per_epoch": 4, "train_size": 200, "test_size": 100, **patch}
    r = client.post("/api/runs/remote", json=body)
    assert r.status_code == 201, r.text
    return r.json()


OCTETS = {"Content-Type": "application/octet-stream"}


def weights_of(seed: int = 0, spec: dict | None = None) -> tuple[Sequential, bytes]:
    model = Sequential.from_config(spec or MNIST_MLP, rng=seed)
    return model, archive_bytes(model.get_config(), model.get_weights())


def steps(start: int, stop: int, epoch: int = 0) -> list[dict]:
    return [{"type": "step", "step": s, "loss": 2.0 / s, "epoch": epoch}
            for s in range(start, stop)]


def test_a_remote_run_reads_like_any_other(client: TestClient) -> None:
    made = create(client)
    rid, token = made["id"], made["token"]
    run = client.get(f"/api/runs/{rid}").json()
    assert run["status"] == "running" and run["kind"] == "remote"
    assert run["progress"]["total_steps"] == 8
    epoch = {"type": "epoch", "epoch": 1, "step": 4, "loss": 0.9, "accuracy": 0.7,
             "val_loss": 1.0, "val_accuracy": 0.6, "seconds": 0.1}
    r = client.post(f"/api/runs/{rid}/remote/events",
                    json={"token": token, "events": [*steps(1, 5), epoch], "lr": 0.001})
    assert r.status_code == 200 and r.json() == {"accepted": 5}
    model, data = weights_of()
    r = client.put(f"/api/runs/{rid}/remote/weights?token={token}&epoch=1", content=data,
                   headers=OCTETS)
    assert r.status_code == 200, r.text
    # predictions use the uploaded weights
    image = np.random.default_rng(0).random((28, 28)).tolist()
    probs = client.post(f"/api/runs/{rid}/predict", json={"image": image, "preprocess": False,
                                                          "layers": False}).json()["probs"]
    expected = model.predict_proba(np.asarray(image, np.float32).reshape(1, 784))[0]
    np.testing.assert_allclose(probs, expected, rtol=1e-4, atol=1e-6)
    # the server evaluated them on its MNIST test subset: confusion matrix and accuracy
    ev = client.post(f"/api/runs/{rid}/evaluate").json()
    assert sum(map(sum, ev["confusion"])) == 100
    r = client.post(f"/api/runs/{rid}/remote/events",
                    json={"token": token, "events": steps(5, 9, epoch=1)})
    assert r.status_code == 200
    r = client.post(f"/api/runs/{rid}/remote/end",
                    json={"token": token, "status": "completed", "result": {"params": 25450}})
    assert r.status_code == 200 and r.json()["status"] == "completed"
    run = client.get(f"/api/runs/{rid}").json()
    assert run["status"] == "completed" and run["finished_at"] is not None
    assert [s for s, _ in run["history"]["steps"]] == list(range(1, 9))
    assert run["history"]["epochs"][0]["val_accuracy"] == 0.6
    assert run["result"]["params"] == 25450
    assert len(run["result"]["evaluation"]["confusion"]) == 10
    # ended: no more updates
    r = client.post(f"/api/runs/{rid}/remote/events", json={"token": token, "events": []})
    assert r.status_code == 409


@pytest.mark.parametrize("patch,field", [
    ({"spec": {"input_shape": [784], "layers": [{"type": "dense", "units": -5}]}}, "units"),
    ({"dataset": "cifar"}, "dataset"),
    ({"epochs": 0}, "epochs"),
])
def test_bad_creation_is_a_422_naming_the_field(client: TestClient, patch: dict,
                                                field: str) -> None:
    body = {"spec": MNIST_MLP, "epochs": 1, "batch_size": 10, "steps_per_epoch": 1,
            "train_size": 10, **patch}
    r = client.post("/api/runs/remote", json=body)
    assert r.status_code == 422
    assert field in (r.json()["error"]["field"] or "") + r.json()["error"]["message"]


def test_tokens_sizes_and_foreign_weights_are_refused(client: TestClient) -> None:
    made = create(client, dataset=None)
    rid, token = made["id"], made["token"]
    r = client.post(f"/api/runs/{rid}/remote/events", json={"token": "x" + token, "events": []})
    assert r.status_code == 403 and r.json()["error"]["field"] == "token"
    r = client.post(f"/api/runs/{rid}/remote/events",
                    json={"token": token, "events": [{"type": "step", "step": 0}]})
    assert r.status_code == 422 and "step" in r.json()["error"]["field"]
    _, foreign = weights_of(spec={"input_shape": [784], "layers": [{"type": "dense",
                                                                    "units": 10}]})
    r = client.put(f"/api/runs/{rid}/remote/weights?token={token}", content=foreign, headers=OCTETS)
    assert r.status_code == 422 and "another model" in r.json()["error"]["message"]
    r = client.put(f"/api/runs/{rid}/remote/weights?token={token}", content=b"not an npz",
                   headers=OCTETS)
    assert r.status_code == 422 and r.json()["error"]["field"] == "body"
    too_big = b"\0" * (client.app.state.services.settings.max_request_bytes + 1)
    r = client.put(f"/api/runs/{rid}/remote/weights?token={token}", content=too_big, headers=OCTETS)
    assert r.status_code == 413
    assert client.post("/api/runs/999999/remote/end",
                       json={"token": token, "status": "completed"}).status_code == 404


def test_a_silent_client_s_run_ends_as_interrupted(client: TestClient) -> None:
    remote = client.app.state.remote_runs
    made = create(client, dataset=None)
    remote._runs[made["id"]].seen -= remote.idle_seconds + 1  # as if 10 minutes had passed
    create(client, dataset=None)  # any remote request looks for silent clients
    run = client.get(f"/api/runs/{made['id']}").json()
    assert run["status"] == "interrupted" and run["error"]["code"] == "client_gone"
    r = client.post(f"/api/runs/{made['id']}/remote/events",
                    json={"token": made["token"], "events": []})
    assert r.status_code == 409
