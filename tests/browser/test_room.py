"""The teacher's room view in real Chromium, against a class server on 127.0.0.2: three
learners' runs update live in one table; pinning two overlays their loss curves and puts
their draw pads side by side.  A learner sees their place in the queue and why."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import LiveServer, start_server
from tests.server.conftest import LONG_RUN

HOST = "127.0.0.2"
CLASS, TEACHER = "room-class-4d2e", "room-teacher-8c1f"
TABLET_FAULTS = """() => {
  const faults = [];
  for (const b of document.querySelectorAll(".app-header button")) {
    if (b.getBoundingClientRect().height > 44) faults.push("header button wraps: " + b.textContent);
  }
  for (const box of document.querySelectorAll(".room-scroll")) {
    if (box.scrollWidth > box.clientWidth + 1) faults.push("table wider than its card");
  }
  return faults;
}"""


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("room") / "data"
    data.mkdir()
    srv = start_server(data, host=HOST, env={
        "NNPG_ACCESS": "code", "NNPG_CLASS_CODE": CLASS, "NNPG_TEACHER_CODE": TEACHER,
        "NNPG_MAX_CONCURRENT": "3"})
    yield srv
    srv.stop()


def learner(server: LiveServer, name: str) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=20)
    assert c.post("/api/auth/login", json={"name": name, "code": CLASS}).status_code == 200
    return c


def signed_in_page(browser, server: LiveServer, code: str, name: str, lang: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
    ctx.add_init_script(f"localStorage.setItem('nnpg.lang', '{lang}')")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/?code={code}#/room", wait_until="domcontentloaded", timeout=60_000)
    assert page.get_by_test_id("signin-secret").input_value() == code  # from the link, once
    assert "code=" not in page.url  # ... and gone from the address bar
    page.get_by_test_id("signin-name").fill(name)
    page.get_by_test_id("signin-submit").click()
    page.get_by_test_id("who").wait_for()
    return ctx, page, errors


def test_the_room_shows_three_learners_live_and_pins_overlay(browser, class_server) -> None:
    people = {n: learner(class_server, n) for n in ("aiko", "ben", "chie")}
    tried = {"aiko": {"name": "sgd", "lr": 0.05}, "ben": {"name": "sgd", "lr": 0.005},
             "chie": {"name": "adam", "lr": 0.001}}  # what each learner tried
    ids = {n: c.post("/api/runs", json={**LONG_RUN, "name": f"{n}-mlp",
                                        "optimizer": tried[n]}).json()["id"]
           for n, c in people.items()}
    ben_waiting = people["ben"].post("/api/runs", json={**LONG_RUN, "name": "ben-2"}).json()
    ctx, page, errors = signed_in_page(browser, class_server, TEACHER, "sensei", "ja")
    try:
        for name, rid in ids.items():
            row = page.get_by_test_id(f"room-row-{rid}")
            row.wait_for()
            assert name in row.inner_text()
        # Live: an epoch ends in every run and the table shows it without a reload.
        for rid in ids.values():
            page.wait_for_function(
                f"Number(document.querySelector('[data-testid=room-row-{rid}]')"
                f"?.dataset.epoch || 0) >= 2", timeout=60_000)
        # Nothing pinned yet: the hint says what the projector is for, with no empty axes.
        assert page.evaluate("document.querySelector('[data-testid=room-plot]').hidden")
        page.get_by_test_id(f"pin-{ids['aiko']}").check()
        page.get_by_test_id(f"pin-{ids['ben']}").check()
        page.wait_for_function("document.querySelector('[data-testid=room-plot]')"
                               ".data?.length === 2", timeout=20_000)
        names = page.evaluate("document.querySelector('[data-testid=room-plot]')"
                              ".data.map(t => t.name)")
        assert any("aiko" in n for n in names) and any("ben" in n for n in names)
        assert page.evaluate("document.querySelector('[data-testid=room-plot]')"
                             ".layout.xaxis.title.text") == "ステップ"  # was "step" in Japanese
        pads = [page.get_by_test_id(f"pad-{ids[n]}") for n in ("aiko", "ben")]
        boxes = [p.bounding_box() for p in pads]
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[1]["x"] > boxes[0]["x"]
        canvas = pads[0].get_by_test_id("draw-canvas")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + 140, box["y"] + 60)
        page.mouse.down()
        page.mouse.move(box["x"] + 140, box["y"] + 220, steps=8)
        page.mouse.up()
        out = page.get_by_test_id(f"pad-out-{ids['aiko']}")
        try:
            page.wait_for_function(f"/\\d/.test(document.querySelector("
                                   f"'[data-testid=pad-out-{ids['aiko']}]').textContent)")
        except Exception:
            screenshot(page, "room-debug")
            raise AssertionError(out.inner_text()) from None
        screenshot(page, "room-teacher-ja")
        page.get_by_test_id("lang-en").click()
        page.get_by_text("Prediction:").wait_for()  # made with t(): redrawn on the switch
        screenshot(page, "room-teacher-en")
        # On a tablet, signed in: the header's buttons keep their words on one line (日本語
        # once stood in a column) and the table fits its card, its last button included.
        page.set_viewport_size({"width": 820, "height": 1180})
        for lang in ("en", "ja"):
            page.get_by_test_id(f"lang-{lang}").click()
            assert page.evaluate(TABLET_FAULTS) == [], lang
        screenshot(page, "room-teacher-tablet-ja")
        # The learner's view: the second run waits, and says why (the others' runs are
        # stopped first: three training threads on two cores slow every page load).
        for n in ("aiko", "chie"):
            people[n].post(f"/api/runs/{ids[n]}/stop")
        teacher_api = httpx.Client(base_url=class_server.url)
        teacher_api.post("/api/auth/login", json={"name": "sensei", "code": TEACHER})
        note = "学習率を 0.1 にして比べよう"
        assert teacher_api.put("/api/classroom/experiment",
                               json={"config": "eyJ4IjoxfQ", "note": note}).is_success
        lctx, lpage, lerrors = signed_in_page(browser, class_server, CLASS, "ben", "ja")
        banner = lpage.get_by_test_id("experiment")
        banner.get_by_text(note).wait_for()  # the handed-out experiment, with its note
        assert lpage.get_by_test_id("experiment-open").get_attribute("href") == \
            "#/playground?c=eyJ4IjoxfQ"
        item = lpage.get_by_test_id(f"queue-{ben_waiting['id']}")
        item.wait_for()
        assert "1 件実行中" in item.inner_text()
        screenshot(lpage, "room-learner-ja")
        lpage.get_by_test_id(f"open-{ids['ben']}").click()  # one run's own page
        # The run's page replaces the room's: until it is drawn there is no plot at all
        # (a fresh-clone run threw "Cannot read properties of null" here).
        lpage.wait_for_function("document.querySelector('[data-testid=room-plot]')"
                                "?.data?.length === 1", timeout=20_000)
        lpage.get_by_test_id(f"pad-{ids['ben']}").wait_for()
        screenshot(lpage, "room-run-ja")
        lctx.close()
        assert not lerrors, lerrors
    finally:
        teacher = httpx.Client(base_url=class_server.url)
        teacher.post("/api/auth/login", json={"name": "sensei2", "code": TEACHER})
        for rid in [*ids.values(), ben_waiting["id"]]:
            teacher.post(f"/api/runs/{rid}/stop")
        ctx.close()
    assert not errors, errors
