"""Real Chromium, no user action: a page served from another origin (127.0.0.2, its own
port) tries to stop, pause, delete and upload on the victim server, the ways a page can
without a CORS grant (no-cors fetches with and without bodies, form content types, a
typed blob, a CORS DELETE).  Nothing may happen.  A page reached under a foreign host name
(DNS rebinding, simulated with Chromium's host resolver rules) is refused outright."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from nnplayground.engine import Sequential
from nnplayground.engine.serialization import to_bytes
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.conftest import LiveServer, start_server
from tests.server.conftest import TINY_RUN

LONG_TOY = {**TINY_RUN, "train_size": 5000, "batch_size": 5, "epochs": 200}

ATTACK = """<!doctype html><meta charset="utf-8"><title>attacker</title><script>
const V = %(victim)s, RUN = %(run)d;
const MODEL = new Uint8Array(%(model)s);
const tries = [
  ["stop", `${V}/api/runs/${RUN}/stop`, {method: "POST", mode: "no-cors"}],
  ["pause", `${V}/api/runs/${RUN}/pause`, {method: "POST", mode: "no-cors"}],
  ["pause-form", `${V}/api/runs/${RUN}/pause`, {method: "POST", mode: "no-cors",
    headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "x=1"}],
  ["stop-text", `${V}/api/runs/${RUN}/stop`, {method: "POST", mode: "no-cors",
    headers: {"Content-Type": "text/plain"}, body: "{}"}],
  ["upload", `${V}/api/models?name=planted`, {method: "POST", mode: "no-cors",
    body: new Blob([MODEL])}],
  ["upload-typed", `${V}/api/models?name=planted2`, {method: "POST", mode: "no-cors",
    body: new Blob([MODEL], {type: "application/octet-stream"})}],
  ["delete", `${V}/api/models/victim`, {method: "DELETE"}],
  ["delete-no-cors", `${V}/api/models/victim`, {method: "DELETE", mode: "no-cors"}],
];
window.results = (async () => {
  const out = {};
  for (const [name, url, init] of tries) {
    try { const r = await fetch(url, init); out[name] = r.type + ":" + r.status; }
    catch (e) { out[name] = "error:" + e.name; }
  }
  return out;
})();
</script>"""


def _serve_attacker(html: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.2:{srv.server_address[1]}/"


@pytest.fixture
def victim(tmp_path) -> Iterator[tuple[LiveServer, int, bytes]]:
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data)
    model = to_bytes(Sequential.from_config(TINY_RUN["spec"], rng=0))
    octets = {"content-type": "application/octet-stream"}
    assert httpx.post(server.url + "/api/models", params={"name": "victim"}, content=model,
                      headers=octets).status_code == 201
    run = httpx.post(server.url + "/api/runs", json=LONG_TOY).json()["id"]
    deadline = time.monotonic() + 20
    while httpx.get(f"{server.url}/api/runs/{run}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield server, run, model
    httpx.post(f"{server.url}/api/runs/{run}/stop")
    server.stop()


def test_another_origin_cannot_stop_pause_delete_or_upload(browser, victim) -> None:
    server, run, model = victim
    html = ATTACK % {"victim": json.dumps(server.url), "run": run, "model": list(model)}
    attacker, url = _serve_attacker(html)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        results = page.evaluate("window.results")
    finally:
        context.close()
        attacker.shutdown()
    # every request left the browser (opaque answers) or was refused by CORS before acting
    assert set(results) == {"stop", "pause", "pause-form", "stop-text", "upload",
                            "upload-typed", "delete", "delete-no-cors"}, results
    assert results["stop"] == "opaque:0" and results["upload"] == "opaque:0", results
    status = httpx.get(f"{server.url}/api/runs/{run}").json()["status"]
    assert status == "running", results
    names = {m["name"] for m in httpx.get(server.url + "/api/models").json()}
    assert names == {"victim"}, results


def test_foreign_host_name_is_refused(browser, victim) -> None:
    """A rebinding page's name resolves to the server but its Host header gives it away."""
    server, run, _ = victim
    args = [*LAUNCH_ARGS, "--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1"]
    # a second Chromium with the resolver rule, from the same Playwright instance
    b = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        page = b.new_page()
        response = page.goto(f"http://rebind.attacker.test:{server.port}/")
        assert response is not None and response.status == 400
        assert "rebind.attacker.test" in page.content()
        # same name, a state-changing request from the page itself
        answer = page.evaluate(
            "run => fetch(`/api/runs/${run}/stop`, {method: 'POST'}).then(r => r.status)", run)
        assert answer == 400
    finally:
        b.close()
    assert httpx.get(f"{server.url}/api/runs/{run}").json()["status"] == "running"
