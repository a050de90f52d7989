from __future__ import annotations


def test_meta_lists_registries(client) -> None:
    meta = client.get("/api/meta").json()
    types = {layer["type"] for layer in meta["layers"]}
    assert {"dense", "conv2d", "maxpool2d", "batchnorm", "dropout", "relu"} <= types
    adam = next(o for o in meta["optimizers"] if o["name"] == "adam")
    assert {"lr", "beta1", "beta2"} <= {h["name"] for h in adam["hyperparameters"]}
    names = {d["name"]: d for d in meta["datasets"]}
    assert names["mnist"]["available"] and names["mnist"]["input_shape"] == [1, 28, 28]
    assert "simple_conv_net" in {p["name"] for p in meta["presets"]}
    assert "softmax_cross_entropy" in meta["losses"]


def test_validate_simple_conv_net(client) -> None:
    spec = {"input_shape": [1, 28, 28], "layers": [
        {"type": "conv2d", "filters": 30, "kernel_size": 5}, {"type": "relu"},
        {"type": "maxpool2d", "pool_size": 2}, {"type": "flatten"},
        {"type": "dense", "units": 100}, {"type": "relu"}, {"type": "dense", "units": 10}]}
    body = client.post("/api/specs/validate", json={"spec": spec}).json()
    assert [row["output_shape"] for row in body["layers"][:4]] == [
        [30, 24, 24], [30, 24, 24], [30, 12, 12], [4320]]
    # 30*(1*5*5)+30, 4320*100+100, 100*10+10: the book's SimpleConvNet
    assert body["total_params"] == 780 + 432_100 + 1_010
    assert body["memory_bytes"] > 4 * body["total_params"]


def test_validate_names_layer_and_field(client) -> None:
    spec = {"input_shape": [784], "layers": [
        {"type": "dense", "units": 10}, {"type": "relu"}, {"type": "dense", "units": -5}]}
    r = client.post("/api/specs/validate", json={"spec": spec})
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["index"], err["field"]) == (2, "units") and "-5" in err["message"]


def test_validate_bad_bodies(client) -> None:
    r = client.post("/api/specs/validate", json={"spec": "dense"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "spec"
    r = client.post("/api/specs/validate", json={"spec": {"input_shape": [784], "layers": [
        {"type": "warp"}]}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "type"
    r = client.post("/api/specs/validate", content=b"{not json",
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_validate_refuses_huge_model(client) -> None:
    spec = {"input_shape": [784], "layers": [{"type": "dense", "units": 100_000}]}
    r = client.post("/api/specs/validate", json={"spec": spec})
    assert r.status_code in (413, 422)
    assert "limit" in r.json()["error"]["message"]


def test_validate_refuses_memory_hog(client) -> None:
    spec = {"input_shape": [1, 28, 28], "layers": [{"type": "conv2d", "filters": 512,
                                                    "kernel_size": 3}]}
    r = client.post("/api/specs/validate", json={"spec": spec, "batch_size": 10_000})
    assert r.status_code == 413 and "max_memory_bytes" in r.json()["error"]["message"]
