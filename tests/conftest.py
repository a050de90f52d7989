"""Shared fixtures: a real server in a subprocess (uvicorn), used by WebSocket and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    port: int
    data_dir: Path
    proc: subprocess.Popen

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_server(
    data_dir: Path, port: int | None = None, env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> LiveServer:
    """Start ``nnplayground serve`` on a free port of ``host`` (loopback unless a test binds
    another address, as a class does) and wait until /api/health answers."""
    port = port or free_port(host)
    log = open(data_dir.parent / f"server-{port}.log", "ab")  # noqa: SIM115 - lives with the process
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnplayground", "serve", "--host", host,
         "--port", str(port), "--data-dir", str(data_dir), "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, env=full_env,
    )
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return LiveServer(url, port, data_dir, proc)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not answer /api/health within 30 s; see {log.name}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for the whole session (its data dir is temporary)."""
    data_dir = tmp_path_factory.mktemp("live") / "data"
    data_dir.mkdir()
    server = start_server(data_dir)
    yield server
    server.stop()
