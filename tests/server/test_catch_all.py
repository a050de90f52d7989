"""The catch-all: an exception no handler expected is a logged 500 with a request id and no
internals; a ValueError of ours is such a bug too, not a 422 blamed on the client."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings


@pytest.fixture(scope="module")
def buggy(tmp_path_factory: pytest.TempPathFactory):
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("err") / "data"))

    @app.get("/api/_bug/{kind}")
    def bug(kind: str) -> dict:
        if kind == "value":
            raise ValueError("secret /srv/internal/path detail")
        raise KeyError("text")

    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("kind", ["value", "key"])
def test_unexpected_error_is_a_500_with_a_request_id(buggy, kind, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="nnplayground.server"):
        r = buggy.get(f"/api/_bug/{kind}")
    assert r.status_code == 500
    err = r.json()["error"]
    rid = r.headers["x-request-id"]
    assert err["code"] == "internal" and rid in err["message"]
    assert "/srv" not in r.text and "Traceback" not in r.text and "KeyError" not in r.text
    assert any(rid in rec.getMessage() and rec.exc_info for rec in caplog.records)
    # the server is fine afterwards
    assert buggy.get("/api/health").status_code == 200
