"""`pip install .` (not editable) of this checkout into a clean venv, dependencies included
(pip's cache makes the second time quick), then the installed server, started from
outside the source tree, serves /, /docs, every file of the page and its vendored scripts,
and real Chromium loads / and /docs without a console error."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import venv
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ROOT, free_port


def _tracked_files() -> list[str]:
    """What a fresh clone holds (plus new files not yet committed), without build leftovers."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                         capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("pkg")
    src = base / "src"
    for rel in _tracked_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(src)], check=True, env=env, timeout=900)
    shutil.rmtree(src)  # the installed server must not need the sources
    port = free_port()
    data = base / "data"
    log = open(base / "server.log", "wb")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        [str(env_dir / "bin" / "nnplayground"), "serve", "--port", str(port),
         "--data-dir", str(data), "--log-level", "warning"],
        cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (base / "server.log").read_text()
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the installed server did not start"
            time.sleep(0.2)
        out = subprocess.run([str(python), "-c", "import nnplayground; print(nnplayground"
                              ".__file__)"], capture_output=True, text=True, env=env, cwd=base)
        assert str(env_dir) in out.stdout  # the venv's copy, not this checkout
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_installed_package_serves_the_page(installed: str) -> None:
    assert "<script" in httpx.get(installed + "/").text
    for path in ("/docs", "/vendor/plotly.min.js", "/vendor/docs/swagger-ui-bundle.js",
                 "/vendor/docs/swagger-ui.css", "/openapi.json"):
        assert httpx.get(installed + path).status_code == 200, path
    for folder, prefix in (("frontend", "/app/"), ("static", "/static/")):
        for file in sorted((ROOT / folder).rglob("*")):
            if file.is_file():
                url = installed + prefix + file.relative_to(ROOT / folder).as_posix()
                r = httpx.get(url)
                assert r.status_code == 200 and r.content == file.read_bytes(), url


def test_plotly_is_sent_compressed_with_a_long_cache_life(installed: str) -> None:
    r = httpx.get(installed + "/vendor/plotly.min.js", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < len(r.content) / 2
    assert "max-age=604800" in r.headers["cache-control"]
    again = httpx.get(installed + "/vendor/plotly.min.js",
                      headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_page_loads_in_chromium_without_console_errors(installed: str, path: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
            page.goto(installed + path, wait_until="networkidle")
            if path == "/docs":
                page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI rendered
            assert not errors, errors
        finally:
            browser.close()
