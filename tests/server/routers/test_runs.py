"""Run routes in-process: create/list/get, controls, evaluate, predict, save; bad input 4xx."""

from __future__ import annotations

import base64
import copy

import numpy as np
import pytest

from tests.server.conftest import LONG_RUN, TINY_RUN, wait_for, wait_steps

DONE = {"completed", "failed", "diverged", "stopped"}


@pytest.fixture(scope="module")
def finished(client) -> dict:
    r = client.post("/api/runs", json={**TINY_RUN, "name": "tiny"})
    assert r.status_code == 201, r.text
    return wait_for(client, r.json()["id"], DONE)


def test_tiny_run_completes_with_history(finished) -> None:
    assert finished["status"] == "completed", finished["error"]
    hist = finished["history"]
    assert [e["epoch"] for e in hist["epochs"]] == [1, 2]
    assert len(hist["steps"]) == 2 * 200 // 20 and hist["steps"][0][0] == 1
    assert finished["config"]["optimizer"] == {"name": "adam", "lr": 0.01}
    assert finished["result"]["evaluation"]["accuracy"] is not None


def test_list_and_get(client, finished) -> None:
    runs = client.get("/api/runs").json()
    assert finished["id"] in [r["id"] for r in runs]
    assert runs == sorted(runs, key=lambda r: -r["id"])  # newest first
    assert client.get("/api/runs/999999").status_code == 404
    assert client.get("/api/runs/abc").json()["error"]["field"] == "run_id"


@pytest.mark.parametrize(("patch", "field"), [
    ({"preset": "two_layer_net"}, None),  # both preset and spec
    ({"dataset": "cifar"}, "dataset"),
    ({"train_size": 0}, "train_size"),
    ({"train_size": 10**7}, "train_size"),
    ({"optimizer": {"name": "adamw", "lr": 0.1}}, "optimizer"),
    ({"optimizer": {"name": "adam", "lr": -1}}, "optimizer.lr"),
    ({"optimizer": {"name": "adam", "beta1": "x"}}, None),
    ({"batch_size": "ten"}, "batch_size"),
    ({"lr_schedule": "cosine"}, "lr_schedule"),
    ({"lr_decay": 0}, "lr_decay"),
    ({"bogus": 1}, "bogus"),
    ({"spec": {"input_shape": [784], "layers": [{"type": "dense", "units": 2}]}},
     "spec.input_shape"),
    ({"spec": {"input_shape": [2], "layers": [{"type": "dense", "units": 0}]}},
     "spec.layers.0.units"),
    ({"spec": {"input_shape": [2], "layers": [{"type": "dense", "units": 10**8}]}}, "spec"),
])
def test_create_bad_input_names_field(client, patch, field) -> None:
    r = client.post("/api/runs", json={**TINY_RUN, **patch})
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert err["message"]
    if field is not None:
        assert err["field"] is not None and err["field"].startswith(field), err


def test_a_run_takes_the_linear_schedule(client) -> None:
    r = client.post("/api/runs", json={**TINY_RUN, "name": "linear", "lr_schedule": "linear"})
    assert r.status_code == 201, r.text
    run = wait_for(client, r.json()["id"], DONE)
    assert run["status"] == "completed", run["error"]
    assert run["config"]["lr_schedule"] == "linear"


def test_controls_on_finished_run_conflict(client, finished) -> None:
    rid = finished["id"]
    assert client.post(f"/api/runs/{rid}/pause").status_code == 409
    assert client.post(f"/api/runs/{rid}/resume").status_code == 409
    assert client.patch(f"/api/runs/{rid}", json={"lr": 0.1}).status_code == 409
    assert client.patch(f"/api/runs/{rid}", json={"lr": -1}).json()["error"]["field"] == "lr"
    assert client.post(f"/api/runs/{rid}/stop").json()["status"] == "completed"


def test_pause_lr_resume_stop_delete(client) -> None:
    rid = client.post("/api/runs", json=LONG_RUN).json()["id"]
    wait_steps(client, rid, 5)
    client.post(f"/api/runs/{rid}/pause")
    paused = wait_for(client, rid, {"paused"})
    step = paused["progress"]["step"]
    assert client.patch(f"/api/runs/{rid}", json={"lr": 0.02}).json()["config"]["optimizer"][
        "lr"] == 0.02
    assert client.get(f"/api/runs/{rid}").json()["progress"]["step"] == step  # really paused
    client.post(f"/api/runs/{rid}/resume")
    wait_steps(client, rid, step + 5)
    client.post(f"/api/runs/{rid}/pause")
    wait_for(client, rid, {"paused"})
    client.post(f"/api/runs/{rid}/stop")  # a paused run stops at once
    assert wait_for(client, rid, {"stopped"}, timeout=1.0)["status"] == "stopped"
    assert client.delete(f"/api/runs/{rid}").status_code == 204
    assert client.get(f"/api/runs/{rid}").status_code == 404
    assert client.delete(f"/api/runs/{rid}").status_code == 404


def test_queue_positions_and_stop_queued(client) -> None:
    ids = [client.post("/api/runs", json=LONG_RUN).json()["id"] for _ in range(3)]
    queued = client.get(f"/api/runs/{ids[2]}").json()
    assert queued["status"] == "queued" and queued["queue_position"] == 1
    assert client.get("/api/health").json()["runs"]["queued"] == 1
    client.post(f"/api/runs/{ids[2]}/stop")
    assert client.get(f"/api/runs/{ids[2]}").json()["status"] == "stopped"
    for rid in ids[:2]:
        client.post(f"/api/runs/{rid}/stop")
        wait_for(client, rid, {"stopped"})


def test_evaluate(client, finished) -> None:
    body = client.post(f"/api/runs/{finished['id']}/evaluate").json()
    conf = np.array(body["confusion"])
    assert conf.shape == (2, 2) and conf.sum() == 100
    assert body["accuracy"] == pytest.approx(np.trace(conf) / 100)
    assert all(m["label"] != m["pred"] for m in body["mistakes"])
    assert client.post("/api/runs/424242/evaluate").status_code == 404


def test_predict_points_and_bad_inputs(client, finished) -> None:
    rid = finished["id"]
    body = client.post(f"/api/runs/{rid}/predict", json={"points": [[0.5, 0.5], [-0.5, 0.5]]})
    assert body.status_code == 200
    probs = np.array(body.json()["probs"])
    assert probs.shape == (2, 2) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    r = client.post(f"/api/runs/{rid}/predict", json={"image": [[0.0] * 28] * 28})
    assert r.status_code == 422 and "points" in r.json()["error"]["message"]
    r = client.post(f"/api/runs/{rid}/predict", json={"points": [[1, 2, 3]]})
    assert r.json()["error"]["field"] == "points"
    r = client.post(f"/api/runs/{rid}/predict", json={})
    assert r.status_code == 422 and "exactly one" in r.json()["error"]["message"]


def test_toy_points_are_the_training_points(client, finished) -> None:
    from nnplayground.engine.data import TOY_NOISE, make_toy

    cfg = finished["config"]
    body = client.get(f"/api/runs/{finished['id']}/points", params={"limit": 50}).json()
    x, y = make_toy(cfg["dataset"], n=cfg["train_size"], noise=TOY_NOISE, seed=cfg["seed"])
    assert np.allclose(body["x"], x[:50]) and body["y"] == y[:50].tolist()
    r = client.get(f"/api/runs/{finished['id']}/points", params={"limit": 0})
    assert r.status_code == 422 and r.json()["error"]["field"] == "limit"
    assert client.get("/api/runs/424242/points").status_code == 404


def test_image_runs_have_no_points(client, mnist_run) -> None:
    r = client.get(f"/api/runs/{mnist_run['id']}/points")
    assert r.status_code == 409 and "mnist" in r.json()["error"]["message"]


@pytest.fixture(scope="module")
def mnist_run(client) -> dict:
    body = copy.deepcopy(LONG_RUN)
    body.update(epochs=1, train_size=500, batch_size=50, eval_every=5)
    rid = client.post("/api/runs", json=body).json()["id"]
    return wait_for(client, rid, DONE)


def test_predict_image_pixels_png(client, mnist_run) -> None:
    rid = mnist_run["id"]
    img = np.zeros((28, 28))
    img[6:22, 12:16] = 1.0  # a "1"
    a = client.post(f"/api/runs/{rid}/predict", json={"image": img.tolist()}).json()
    assert len(a["probs"]) == 10 and a["top"] == int(np.argmax(a["probs"]))
    assert np.array(a["input"]).shape == (28, 28)
    assert [layer["type"] for layer in a["layers"]] == ["dense", "relu", "dense"]
    assert len(a["layers"][0]["values"]) == 32
    rgba = np.zeros((56, 56, 4), np.uint8)
    rgba[12:44, 24:32, 3] = 255  # a black stroke on a transparent canvas
    pix = {"width": 56, "height": 56, "data": base64.b64encode(rgba.tobytes()).decode()}
    b = client.post(f"/api/runs/{rid}/predict", json={"pixels": pix, "layers": False}).json()
    assert b["layers"] == [] and abs(sum(b["probs"]) - 1) < 1e-4
    bad = client.post(f"/api/runs/{rid}/predict", json={"pixels": {**pix, "width": 55}})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "pixels.data"
    bad = client.post(f"/api/runs/{rid}/predict", json={"png": "%%%"})
    assert bad.json()["error"]["field"] == "png"
    bad = client.post(f"/api/runs/{rid}/predict",
                      json={"png": base64.b64encode(b"GIF89a....").decode()})
    assert "signature" in bad.json()["error"]["message"]
    bad = client.post(f"/api/runs/{rid}/predict", json={"image": [[2.0] * 28] * 28})
    assert bad.json()["error"]["field"] == "image"
    bad = client.post(f"/api/runs/{rid}/predict", json={"image": [1, 2]})
    assert bad.status_code == 422


def test_mistakes_have_images(client, mnist_run) -> None:
    body = client.post(f"/api/runs/{mnist_run['id']}/evaluate").json()
    assert np.array(body["confusion"]).shape == (10, 10)
    assert body["mistakes"] and np.array(body["mistakes"][0]["image"]).shape == (28, 28)
    confs = [m["confidence"] for m in body["mistakes"]]
    assert confs == sorted(confs, reverse=True)


def test_exception_fails_that_run_only(client) -> None:
    # sigmoid_bce wants one output unit; this net has two, so the loss raises inside fit.
    bad = client.post("/api/runs", json={**TINY_RUN, "loss": "sigmoid_bce"}).json()["id"]
    run = wait_for(client, bad, DONE)
    assert run["status"] == "failed" and "sigmoid_bce" in run["error"]["message"]
    good = client.post("/api/runs", json=TINY_RUN).json()["id"]
    assert wait_for(client, good, DONE)["status"] == "completed"  # the workers live on


def test_a_confusion_cell_lists_all_its_mistakes_page_by_page(client, mnist_run) -> None:
    rid = mnist_run["id"]
    ev = client.post(f"/api/runs/{rid}/evaluate").json()
    conf = np.array(ev["confusion"])
    off = conf - np.diag(np.diag(conf))
    t, p = np.unravel_index(off.argmax(), off.shape)
    assert conf[t, p] > 1  # a cell the top list cannot hold alone in a 1-epoch run
    seen: list[dict] = []
    while True:
        page = client.get(f"/api/runs/{rid}/mistakes",
                          params={"true": t, "pred": p, "offset": len(seen), "limit": 2}).json()
        assert page["total"] == conf[t, p] and page["count"] == conf.sum()
        if not page["items"]:
            break
        seen += page["items"]
    assert len(seen) == conf[t, p] and len({m["index"] for m in seen}) == len(seen)
    assert all(m["label"] == t and m["pred"] == p for m in seen)
    assert [m["confidence"] for m in seen] == sorted((m["confidence"] for m in seen), reverse=True)
    assert np.array(seen[0]["image"]).shape == (28, 28)
    # Every example of the top list that fell in this cell is among them.
    top = {m["index"] for m in ev["mistakes"] if (m["label"], m["pred"]) == (t, p)}
    assert top <= {m["index"] for m in seen}
    # All cells together hold the whole test set.
    totals = [client.get(f"/api/runs/{rid}/mistakes", params={"true": a, "pred": b, "limit": 1})
              .json()["total"] for a in range(10) for b in range(10)]
    assert np.array(totals).reshape(10, 10).tolist() == conf.tolist()


@pytest.mark.parametrize(("params", "field"), [
    ({"true": 10, "pred": 0}, "true"), ({"true": 0, "pred": 12}, "pred"),
    ({"true": -1, "pred": 0}, "true"), ({"pred": 0}, "true"), ({"true": 0, "pred": "x"}, "pred"),
    ({"true": 0, "pred": 0, "limit": 0}, "limit"), ({"true": 0, "pred": 0, "limit": 201}, "limit"),
    ({"true": 0, "pred": 0, "offset": -1}, "offset"),
])
def test_a_bad_cell_request_names_its_field(client, mnist_run, params, field) -> None:
    r = client.get(f"/api/runs/{mnist_run['id']}/mistakes", params=params)
    assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
    assert client.get("/api/runs/424242/mistakes",
                      params={"true": 0, "pred": 0}).status_code == 404
