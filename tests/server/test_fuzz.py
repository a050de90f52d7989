"""Hypothesis over the OpenAPI schema: every operation, a fixed seed (derandomize) and a time
budget that fits the suite (FUZZ_SECONDS in all, shared evenly); no answer may be a 5xx.
benchmarks/fuzz_api.py runs the same generator for 10,000+ requests against a real server."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings
from tests import fuzzing
from tests.server.conftest import TINY_RUN

FUZZ_SECONDS = float(os.environ.get("NNPG_FUZZ_SECONDS", "60"))
MIN_REQUESTS = 10  # per operation, whatever the budget


class BudgetSpent(Exception):
    pass
# Small training limits: a generated run that happens to be valid trains for milliseconds.
LIMITS = {"max_concurrent": 1, "max_train_size": 300, "max_epochs": 2,
          "max_upload_bytes": 200_000}


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz") / "data", **LIMITS))
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        run = c.post("/api/runs", json={**TINY_RUN, "epochs": 1}).json()["id"]
        c.post(f"/api/runs/{run}/save", json={"name": "fuzzed"})  # once it has finished
        yield c


def _schema() -> dict:
    from fastapi.openapi.utils import get_openapi

    from nnplayground.server.routers import health, meta, models, runs, specs

    routes = [r for m in (health, meta, specs, runs, models) for r in m.router.routes]
    try:
        from nnplayground.server.routers import labs
        routes += list(labs.router.routes)
    except Exception:  # the labs router's own tests report an import failure
        pass
    return get_openapi(title="fuzz", version="0", routes=routes)


SCHEMA = _schema()
OPS = fuzzing.operations(SCHEMA)
DEFS = SCHEMA.get("components", {}).get("schemas", {})


@pytest.mark.parametrize("op", OPS, ids=[op.label for op in OPS])
def test_no_5xx(fuzz_client: TestClient, op: fuzzing.Operation) -> None:
    budget_end = time.monotonic() + FUZZ_SECONDS / len(OPS)
    blob = fuzz_client.get("/api/models/fuzzed").content
    seen: list[int] = []

    # No shrinking phase: a failure is reported as found, within the budget.
    @settings(max_examples=200, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(fuzzing.requests(op, DEFS, [blob]))
    def run(request: dict) -> None:
        if len(seen) >= MIN_REQUESTS and time.monotonic() > budget_end:
            raise BudgetSpent  # ends generation at once (returning would draw 300 more)
        r = fuzz_client.request(**request)
        seen.append(r.status_code)
        assert r.status_code < 500, (request, r.status_code, r.text[:500])
        if r.status_code >= 400 and r.headers.get("content-type") == "application/json":
            assert "error" in r.json(), r.text[:300]

    with contextlib.suppress(BudgetSpent):
        run()
    assert seen  # an operation without parameters has few distinct requests
