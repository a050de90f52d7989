"""Cluster fixtures: PostgreSQL, a two-node Ray cluster (one CPU a node: the machine is
shared) and two app servers on different ports, each started once per session and always
stopped at the end (tests/cluster/parts.py)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, start_server

ray = pytest.importorskip("ray", reason="the [cluster] extra (scripts/test.sh installs it)")
pytest.importorskip("psycopg", reason="the [cluster] extra (scripts/test.sh installs it)")

from tests.cluster.parts import PG_BINS, Postgres, RayCluster, running_postgres, running_ray  # noqa: E402


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not PG_BINS:
        pytest.skip("PostgreSQL is not installed (scripts/test.sh installs it)")
    with running_postgres() as pg:
        yield pg


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayCluster]:
    with running_ray(cpus=1) as cluster:
        try:
            yield cluster
        finally:
            ray.shutdown()  # this process may have joined as a driver (placements below)


def placements(cluster: RayCluster, job_id: int, timeout: float = 120.0) -> list[dict]:
    """Where a job runs, asked of its home on the cluster (the event that says so may come
    before a test's socket is open)."""
    from nnplayground.jobs.ray_actor import JobHandle
    from nnplayground.jobs.ray_executor import NAMESPACE, host_name

    if not ray.is_initialized():
        ray.init(address=cluster.address, namespace=NAMESPACE, log_to_driver=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            home = JobHandle(ray.get_actor(host_name(job_id), namespace=NAMESPACE), job_id)
            found = ray.get(home.get_placements.remote(), timeout=30)
            if found:
                return found
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not start on any node")


@pytest.fixture()
def fresh_db(postgres: Postgres) -> Iterator[str]:
    """A database of its own for one test."""
    import psycopg

    name = f"t{time.time_ns()}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres.url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Cluster:
    pg: Postgres
    ray: RayCluster
    shared: Path
    a: LiveServer
    b: LiveServer
    env: dict[str, str]

    def server(self, data_dir: Path) -> LiveServer:
        return start_server(data_dir, env=self.env)


@pytest.fixture(scope="session")
def cluster(postgres: Postgres, ray_cluster: RayCluster,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two app servers on different ports, on one database and one Ray cluster."""
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE cluster")
    root = tmp_path_factory.mktemp("cluster")
    shared = root / "shared"
    env = {"NNPG_EXECUTOR": "ray", "NNPG_RAY_ADDRESS": ray_cluster.address,
           "NNPG_DATABASE_URL": postgres.url.rsplit("/", 1)[0] + "/cluster",
           "NNPG_SHARED_DIR": str(shared), "NNPG_ALLOWED_ORIGINS": "*"}
    servers = []
    try:
        for name in ("a", "b"):
            (root / name).mkdir()
            servers.append(start_server(root / name, env=env))
        yield Cluster(postgres, ray_cluster, shared, servers[0], servers[1], env)
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(autouse=True)
def _stop_what_is_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failed test must not leave runs holding the cluster's two CPUs for the next one."""
    yield
    if "cluster" not in request.fixturenames:
        return
    url = request.getfixturevalue("cluster").a.url
    with contextlib.suppress(httpx.HTTPError):
        for run in httpx.get(url + "/api/runs", timeout=10).json():
            if run["status"] in ("queued", "running", "paused"):
                httpx.post(f"{url}/api/runs/{run['id']}/stop", timeout=10)
        for job in httpx.get(url + "/api/labs/jobs", timeout=10).json():
            if job["status"] in ("queued", "running", "paused"):
                httpx.post(f"{url}/api/labs/jobs/{job['id']}/stop", timeout=10)


def wait_run(url: str, rid: int, pred, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    run: dict = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            run = httpx.get(f"{url}/api/runs/{rid}", timeout=10).json()
            if pred(run):
                return run
        time.sleep(0.05)
    raise AssertionError(f"run {rid}: {run.get('status')} {run.get('progress')}")
