"""The PNG bomb, the .npz bomb and the 90-byte BatchNorm spec against a real server: each
is answered 413/422 and the server's resident memory peaks less than 50 MB above where it
was (measured from /proc: the peak is reset through clear_refs before each request)."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import httpx
import pytest

from nnplayground.engine import Sequential
from nnplayground.engine.serialization import to_bytes
from tests.conftest import LiveServer, start_server
from tests.engine.test_serialization import zip_bomb
from tests.server.services.test_png import _chunk

MB = 2**20
LIMIT = 50 * MB


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def png_bomb(inflated: int = 256 * MB) -> bytes:
    """A 28x28 grey PNG (812 bytes of scanlines declared) whose data inflates to 256 MiB."""
    deflate = zlib.compressobj(1)  # fastest; zeros still shrink about 230:1
    zeros = bytes(MB)
    idat = b"".join(deflate.compress(zeros) for _ in range(inflated // MB)) + deflate.flush()
    head = struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", head) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("bombs") / "data"
    data.mkdir()
    srv = start_server(data)
    model = Sequential.from_config({"input_shape": [784], "layers": [
        {"type": "dense", "units": 10}]}, rng=0)
    r = httpx.post(srv.url + "/api/models", params={"name": "digit"}, content=to_bytes(model),
                   headers={"content-type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    yield srv
    srv.stop()


def _peak_rise(server: LiveServer, send) -> tuple[httpx.Response, int]:
    pid = server.proc.pid
    send()  # once to warm up what any request of this kind imports and caches
    before = _status_kb(pid, "VmRSS")
    key = "VmHWM" if _reset_peak(pid) else "VmRSS"
    response = send()
    return response, _status_kb(pid, key) - before


def test_png_bomb(server: LiveServer) -> None:
    png = base64.b64encode(png_bomb()).decode()
    assert len(png) < 2 * MB
    response, rise = _peak_rise(server, lambda: httpx.post(
        server.url + "/api/models/digit/predict", json={"png": png}, timeout=60))
    assert response.status_code in (413, 422), response.text
    assert response.json()["error"]["field"] == "png"
    assert rise < LIMIT, f"RSS rose {rise / MB:.0f} MB"  # was 206 -> 2,257 MB


def test_npz_bomb(server: LiveServer) -> None:
    bomb = zip_bomb(256 * MB)
    response, rise = _peak_rise(server, lambda: httpx.post(
        server.url + "/api/models", params={"name": "bomb"}, content=bomb, timeout=60,
        headers={"content-type": "application/octet-stream"}))
    assert response.status_code in (413, 422), response.text
    assert rise < LIMIT, f"RSS rose {rise / MB:.0f} MB"  # was 465 -> 1,483 MB
    assert httpx.get(server.url + "/api/models/bomb").status_code == 404


def test_batchnorm_spec(server: LiveServer) -> None:
    body = b'{"spec":{"input_shape":[100000000],"layers":[{"type":"batchnorm"}]}}'
    assert len(body) < 100
    response, rise = _peak_rise(server, lambda: httpx.post(
        server.url + "/api/specs/validate", content=body, timeout=60,
        headers={"content-type": "application/json"}))
    assert response.status_code in (413, 422), response.text
    assert rise < LIMIT, f"RSS rose {rise / MB:.0f} MB"  # was 1.5 GB
