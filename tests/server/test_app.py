"""App wiring: health, OpenAPI, static files, the body-size limit, NaN-safe JSON."""

from __future__ import annotations

import math

import numpy as np

from nnplayground.server.jsonenc import dumps
from nnplayground.server.settings import Settings


def test_health(client) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and set(body["runs"]) == {"running", "queued"}


def test_openapi_and_docs(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/runs", "/api/runs/{run_id}/predict", "/api/models/{name}/predict",
              "/api/specs/validate"):
        assert p in paths
    assert client.get("/docs").status_code == 200


def test_static_routes(client) -> None:
    r = client.get("/vendor/plotly.min.js")
    assert r.status_code == 200 and len(r.content) > 1_000_000
    settings: Settings = client.app.state.services.settings
    if (settings.frontend_dir / "index.html").exists():
        assert client.get("/").status_code == 200
        assert client.get("/app/index.html").status_code == 200
    assert client.get("/app/nope.js").status_code == 404


def test_body_limit(client) -> None:
    big = b"x" * (client.app.state.services.settings.max_request_bytes + 1)
    r = client.post("/api/specs/validate", content=big,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and "max_request_bytes" in r.json()["error"]["message"]


def test_json_never_contains_nan() -> None:
    text = dumps({"a": math.nan, "b": [math.inf, 1.5], "c": np.array([np.nan, 2.0]),
                  "d": np.float32(-np.inf)})
    assert text == '{"a":null,"b":[null,1.5],"c":[null,2.0],"d":null}'


def test_settings_from_env(tmp_path) -> None:
    s = Settings.from_env({"NNPG_DATA_DIR": str(tmp_path), "NNPG_MAX_CONCURRENT": "3",
                           "NNPG_ALLOWED_ORIGINS": "http://a:1, http://b:2"})
    assert s.max_concurrent == 3 and s.allowed_origins == ["http://a:1", "http://b:2"]
    assert s.data_dir == tmp_path


def test_settings_bad_env_names_the_variable() -> None:
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError, match="max_concurrent"):
        Settings.from_env({"NNPG_MAX_CONCURRENT": "zero"})
