"""Saved models: save from a run, list, download, upload (validated, size-limited), predict,
delete; names cannot escape the models directory."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from tests.server.conftest import TINY_RUN, wait_for

OCTETS = {"content-type": "application/octet-stream"}


@pytest.fixture(scope="module")
def saved(client) -> dict:
    rid = client.post("/api/runs", json=TINY_RUN).json()["id"]
    wait_for(client, rid, {"completed"})
    r = client.post(f"/api/runs/{rid}/save", json={"name": "xor-net"})
    assert r.status_code == 201, r.text
    return r.json()


def test_save_and_list(client, saved) -> None:
    assert saved["name"] == "xor-net" and saved["params"] == 2 * 8 + 8 + 8 * 2 + 2
    assert saved["spec"]["input_shape"] == [2]
    assert "xor-net" in [m["name"] for m in client.get("/api/models").json()]


def test_download_upload_roundtrip_and_predict(client, saved) -> None:
    blob = client.get("/api/models/xor-net").content
    assert blob[:2] == b"PK"  # .npz is a zip archive
    r = client.post("/api/models?name=copy.v2", content=blob,
                    headers={"content-type": "application/octet-stream"})
    assert r.status_code == 201 and r.json()["params"] == saved["params"]
    pts = [[0.5, 0.5], [-0.5, 0.5]]
    a = client.post("/api/models/xor-net/predict", json={"points": pts}).json()
    b = client.post("/api/models/copy.v2/predict", json={"points": pts}).json()
    assert np.allclose(a["probs"], b["probs"])
    assert client.delete("/api/models/copy.v2").status_code == 204
    assert client.get("/api/models/copy.v2").status_code == 404
    assert client.post("/api/models/copy.v2/predict", json={"points": pts}).status_code == 404


def test_upload_refuses_pickles_junk_and_big_files(client) -> None:
    buf = io.BytesIO()
    np.savez(buf, spec=np.array([{"evil": 1}], dtype=object))  # needs allow_pickle to read
    for body in (buf.getvalue(), pickle.dumps({"a": 1}), b"not a zip"):
        r = client.post("/api/models?name=bad", content=body, headers=OCTETS)
        assert r.status_code == 422 and r.json()["error"]["code"] == "bad_model", r.text
    assert client.get("/api/models/bad").status_code == 404
    limit = client.app.state.services.settings.max_upload_bytes
    r = client.post("/api/models?name=big", content=b"0" * (limit + 1), headers=OCTETS)
    assert r.status_code == 413 and "max_upload_bytes" in r.json()["error"]["message"]
    assert client.post("/api/models?name=empty", content=b"",
                       headers=OCTETS).status_code == 422


@pytest.mark.parametrize("name", ["..", "../etc", ".hidden", "a b", "x" * 80, "é"])
def test_bad_names(client, saved, name) -> None:
    r = client.post("/api/models?name=" + name, content=b"x", headers=OCTETS)
    assert r.status_code in (404, 422)
    assert client.post(f"/api/runs/{1}/save", json={"name": name}).status_code in (404, 409, 422)
    assert client.get("/api/models/" + name).status_code in (404, 422)


def test_save_unknown_run(client) -> None:
    assert client.post("/api/runs/987654/save", json={"name": "x"}).status_code == 404
