"""Every 4xx carries a machine-readable code and params, so the page can word it in Japanese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.server.conftest import MNIST_MLP, TINY_RUN, wait_for

IMAGE = [1, 28, 28]


def error(resp) -> dict:
    assert 400 <= resp.status_code < 500, resp.text
    err = resp.json()["error"]
    assert set(err) == {"code", "message", "field", "index", "params"}
    return err


@pytest.mark.parametrize(("layers", "code", "index", "params"), [
    # Dense straight after a conv: the book's Affine needs the feature maps flattened.
    ([{"type": "conv2d", "filters": 4, "kernel_size": 3}, {"type": "dense", "units": 10}],
     "spec.needs_flatten", 1, {"shape": [4, 26, 26]}),
    ([{"type": "dense", "units": -5}], "spec.positive_int", 0, {"value": -5}),
    ([{"type": "dropout", "rate": 1.5}], "spec.fraction", 0, {"value": 1.5, "interval": "[0, 1)"}),
    ([{"type": "conv2d", "filters": 2, "kernel_size": 40}], "spec.kernel_too_large", 0,
     {"kernel": "40x40", "input": "28x28", "padding": 0, "padded": "28x28"}),
    ([{"type": "flatten"}, {"type": "maxpool2d"}], "spec.needs_image", 1,
     {"layer": "maxpool2d", "shape": [784]}),
    ([{"type": "nope"}], "spec.unknown_layer", 0, {"type": "nope"}),
])
def test_spec_errors_have_codes_and_params(client, layers, code, index, params) -> None:
    err = error(client.post("/api/specs/validate",
                            json={"spec": {"input_shape": IMAGE, "layers": layers}}))
    assert err["code"] == code and err["index"] == index
    for k, v in params.items():
        assert err["params"][k] == v, err
    assert err["message"].startswith(f"layer {index}")  # the English text is kept


def test_spec_error_inside_a_run_keeps_code_and_places_the_field(client) -> None:
    spec = {"input_shape": [784], "layers": [{"type": "dense", "units": 0}]}
    err = error(client.post("/api/runs", json={**TINY_RUN, "dataset": "mnist", "spec": spec}))
    assert err["code"] == "spec.positive_int" and err["field"] == "spec.layers.0.units"
    assert err["params"] == {"value": 0, "field": "units"}


def test_pydantic_errors_map_type_and_ctx(client) -> None:
    bad_lr = {**TINY_RUN, "optimizer": {"name": "adam", "lr": -1}}
    err = error(client.post("/api/runs", json=bad_lr))
    assert err["code"] == "value.greater_than" and err["field"] == "optimizer.lr"
    assert err["params"] == {"gt": 0.0, "input": -1}
    err = error(client.post("/api/runs", json={**TINY_RUN, "batch_size": "many"}))
    assert err["code"] == "value.int_parsing" and err["field"] == "batch_size"
    err = error(client.post("/api/runs", json={**TINY_RUN, "colour": 1}))
    assert err["code"] == "value.extra_forbidden" and err["field"] == "colour"


def test_conflicts_and_not_found_have_codes(client) -> None:
    err = error(client.get("/api/runs/999999"))
    assert err["code"] == "not_found" and err["params"]["id"] == 999999
    run = client.post("/api/runs", json=TINY_RUN).json()
    wait_for(client, run["id"], {"completed"})
    resp = client.post(f"/api/runs/{run['id']}/pause")
    err = error(resp)
    assert resp.status_code == 409 and err["code"].startswith("cannot_")
    assert err["params"]["status"] == "completed"


def test_softmax_before_softmax_with_loss_is_warned_about(client) -> None:
    plain = client.post("/api/specs/validate", json={"spec": MNIST_MLP}).json()
    assert plain["warnings"] == []
    spec = {**MNIST_MLP, "layers": [*MNIST_MLP["layers"], {"type": "softmax"}]}
    body = client.post("/api/specs/validate", json={"spec": spec}).json()
    (w,) = body["warnings"]
    assert w["code"] == "spec.softmax_before_loss" and w["index"] == 3
    assert "twice" in w["message"]
    # Softmax elsewhere (not last) is not this mistake.
    spec = {**MNIST_MLP, "layers": [{"type": "dense", "units": 8}, {"type": "softmax"},
                                    {"type": "dense", "units": 10}]}
    assert client.post("/api/specs/validate", json={"spec": spec}).json()["warnings"] == []


def test_meta_lists_statuses_and_default_learning_rates(client) -> None:
    meta = client.get("/api/meta").json()
    assert meta["statuses"] == ["queued", "running", "paused", "completed", "stopped", "failed",
                                "diverged", "interrupted"]
    assert set(meta["finished"]) == {"completed", "stopped", "failed", "diverged",
                                     "interrupted"}
    lr = {o["name"]: next(h["default"] for h in o["hyperparameters"] if h["name"] == "lr")
          for o in meta["optimizers"]}
    # The book's defaults (common/optimizer.py): SGD/Momentum/AdaGrad/RMSprop 0.01, Adam 0.001.
    assert lr["sgd"] == lr["momentum"] == lr["adagrad"] == lr["rmsprop"] == 0.01
    assert lr["adam"] == 0.001


# Where the backend names an error code: a class attribute, a keyword, an error dict,
# ApiError's second argument, or a WebSocket error's first (routers/ws.py's _error).
CODE_SITES = re.compile(
    r'(?:\bcode\s*=\s*|"code":\s*|ApiError\(\d+,\s*|_error\(\s*)"([a-z_]+)"')
QUOTED = r'"((?:[^"\\]|\\.)+)"'
STRING_ENTRY = re.compile(r'"errc\.([a-z_.]+)":\s*\[\s*' + QUOTED + r",\s*" + QUOTED + r"\s*\]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_every_code_the_server_sends_is_worded_in_both_languages() -> None:
    """errors.js words a code by the first key it finds among these candidates; a code with
    none shows its English message on the Japanese page (17 codes did, among them a run's
    cluster worker lost and a class's limits)."""
    root = Path(__file__).resolve().parents[2]
    codes = {m for f in (root / "backend").rglob("*.py")
             for m in CODE_SITES.findall(f.read_text(encoding="utf-8"))}
    table = (root / "frontend/js/strings_errors.js").read_text(encoding="utf-8")
    entries = {key: (en, ja) for key, en, ja in STRING_ENTRY.findall(table)}
    assert len(codes) > 30 and "worker_lost" in codes  # the scan itself works
    assert len(entries) == table.count('"errc.')  # and every entry was read
    unworded = sorted(c for c in codes
                      if not {c, f"value.{c}", c.split("_")[0]} & set(entries))
    assert unworded == []
    assert [k for k, (_, ja) in entries.items() if not JAPANESE.search(ja)] == []
