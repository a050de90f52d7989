"""The real parts of a cluster, on this machine, for the cluster tests and the benchmark:
Debian's PostgreSQL in a temporary directory (as a non-root user when run as root), a Ray
head and a second Ray node started with ``ray start`` (a small object store, loopback only).

Both are context managers that always stop what they started.  Ray's processes are found by
this cluster's own temporary directory in their command line and ended by pid (``ray stop``
would stop every Ray on the machine, other people's included).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port

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


@contextlib.contextmanager
def running_postgres() -> Iterator[Postgres]:
    """Debian's PostgreSQL in a temporary directory, on loopback and a free port."""
    if not PG_BINS:
        raise RuntimeError("PostgreSQL is not installed (scripts/test.sh installs it)")
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


_HANDED_OUT: set[int] = set()


def distinct_ports(n: int) -> list[int]:
    """``n`` free loopback ports, all different and never handed out before in this session
    (free_port() called twice in a row may return the same port: two Ray daemons on one
    port made ``ray start`` fail)."""
    socks: list[socket.socket] = []
    try:
        while len(socks) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            if s.getsockname()[1] in _HANDED_OUT:
                s.close()
                continue
            socks.append(s)  # held open while the others are chosen: no repeats
        ports = [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
    _HANDED_OUT.update(ports)
    return ports


def _ray_start(args: list[str], env: dict[str, str]) -> None:
    ports = ["--node-manager-port", "--object-manager-port", "--metrics-export-port",
             "--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
             "--runtime-env-agent-port"]
    cmd = ["ray", "start", "--object-store-memory", "80000000",
           "--node-ip-address", "127.0.0.1", "--disable-usage-stats", *args]
    for flag, port in zip(ports, distinct_ports(len(ports)), strict=True):
        cmd += [flag, str(port)]
    subprocess.run(cmd, check=True, timeout=180, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def running_ray(cpus: int = 1, idle_workers: int | None = None) -> Iterator[RayCluster]:
    """A head and a second node, ``cpus`` CPUs each, on loopback.

    Token authentication is off for everything started meanwhile (the nodes, app servers
    and this process as a driver): Ray turns it on by itself when ``~/.ray/auth_token``
    exists, and once, on a starved machine, it wrote that file mid-run, after which every
    later ``ray start`` of a second node failed with InvalidAuthToken.  A token file that
    appears while the cluster runs is removed with it."""
    temp = Path(tempfile.mkdtemp(prefix="nnpgray-", dir="/tmp"))  # short: socket paths
    token = Path.home() / ".ray" / "auth_token"
    token_before = token.exists()
    auth_before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    if idle_workers is not None:
        # Ray keeps about num_cpus idle workers per node and ends the rest after 1 s; with
        # the job hosts among them each job's task starts a new worker process (2-5 s here).
        env["RAY_num_workers_soft_limit"] = str(idle_workers)
    port, client_port, dashboard_port = distinct_ports(3)
    cluster = RayCluster(f"127.0.0.1:{port}", temp, env)
    try:
        _ray_start(["--head", "--port", str(port), "--num-cpus", str(cpus),
                    "--include-dashboard", "false",
                    "--ray-client-server-port", str(client_port), "--temp-dir", str(temp),
                    "--dashboard-port", str(dashboard_port)], env)
        _ray_start(["--address", cluster.address, "--num-cpus", str(cpus)], env)
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
        if not token_before:
            token.unlink(missing_ok=True)
        if auth_before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = auth_before
