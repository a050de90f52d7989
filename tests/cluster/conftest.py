"""The real parts of a cluster, on this machine: Debian's PostgreSQL in a temporary
directory (as a non-root user when run as root), a Ray head and a second Ray node started
with ``ray start`` (one CPU each, a small object store), and app servers on their own ports.

Everything is started once per session and always stopped at the end; Ray's processes are
found by this session's own temporary directory in their command line and ended by pid
(``ray stop`` would stop every Ray on the machine, other people's included).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, free_port, start_server

ray = pytest.importorskip("ray", reason="the [cluster] extra (scripts/test.sh installs it)")
pytest.importorskip("psycopg", reason="the [cluster] extra (scripts/test.sh installs it)")

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


@dataclass
class Postgres:
    url: str
    data: Path
    port: int
    log: Path

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_owner([str(PG_BINS[-1] / "pg_ctl"), "-D", str(self.data),
                                  "-l", str(self.log), *args]),
                       check=True, timeout=60, stdout=subprocess.DEVNULL)

    def restart(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", "30", "restart")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", "30", "stop")


def _as_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    if os.geteuid() != 0:
        return cmd
    user = "postgres" if shutil.which("runuser") and _user_exists("postgres") else "nobody"
    return ["runuser", "-u", user, "--", *cmd]


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not PG_BINS:
        pytest.skip("PostgreSQL is not installed (scripts/test.sh installs it)")
    root = Path(tempfile.mkdtemp(prefix="nnpg-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        owner = _as_owner(["x"])[2]
        shutil.chown(root, owner)
        shutil.chown(sock, owner)
    subprocess.run(_as_owner([str(PG_BINS[-1] / "initdb"), "-D", str(data), "-U", "nnpg",
                              "--auth=trust", "-E", "UTF8", "--no-sync"]),
                   check=True, timeout=120, stdout=subprocess.DEVNULL)
    port = free_port()
    with open(data / "postgresql.conf", "a") as conf:  # loopback only, a small footprint
        conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                   f"unix_socket_directories = '{sock}'\nfsync = off\n"
                   "shared_buffers = 16MB\nmax_connections = 60\n")
    pg = Postgres(f"postgresql://nnpg@127.0.0.1:{port}/postgres", data, port, root / "pg.log")
    if os.geteuid() == 0:
        shutil.chown(data / "postgresql.conf", _as_owner(["x"])[2])
    pg._ctl("-w", "-t", "60", "start")
    try:
        yield pg
    finally:
        with contextlib.suppress(Exception):
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def fresh_db(postgres: Postgres) -> Iterator[str]:
    """A database of its own for one test."""
    import psycopg

    name = f"t{time.time_ns()}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres.url.rsplit("/", 1)[0] + "/" + name


@dataclass
class RayCluster:
    address: str
    temp_dir: Path
    env: dict[str, str]

    def processes(self) -> list[int]:
        """Our Ray processes: those whose command line names this cluster's directory."""
        mine, key = [], str(self.temp_dir).encode()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if key in (entry / "cmdline").read_bytes():
                        mine.append(int(entry.name))
        return mine


def _ray_start(args: list[str], env: dict[str, str]) -> None:
    ports = ["--node-manager-port", "--object-manager-port", "--metrics-export-port",
             "--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
             "--runtime-env-agent-port"]
    cmd = ["ray", "start", "--num-cpus", "1", "--object-store-memory", "80000000",
           "--node-ip-address", "127.0.0.1", "--disable-usage-stats", *args]
    for flag in ports:
        cmd += [flag, str(free_port())]
    subprocess.run(cmd, check=True, timeout=180, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayCluster]:
    """A head and a second node, one CPU each, on loopback."""
    temp = Path(tempfile.mkdtemp(prefix="nnpgray-", dir="/tmp"))  # short: socket paths
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    port = free_port()
    cluster = RayCluster(f"127.0.0.1:{port}", temp, env)
    try:
        _ray_start(["--head", "--port", str(port), "--include-dashboard", "false",
                    "--ray-client-server-port", str(free_port()), "--temp-dir", str(temp),
                    "--dashboard-port", str(free_port())], env)
        _ray_start(["--address", cluster.address], env)
        yield cluster
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in cluster.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 10
            while cluster.processes() and time.monotonic() < deadline:
                time.sleep(0.2)
        shutil.rmtree(temp, ignore_errors=True)


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
