"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), headless."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ARTIFACTS / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# Package scope: the sync Playwright API keeps an event loop running in this thread, which
# would break asyncio.run() in the tests that run after the browser tests.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run the README's test command, which installs it")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[object]:
    """A fresh 1280×800 page; console errors and page errors are collected in ``page.errors``
    and fail the test unless the test clears them."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert not errors, f"console errors: {errors}"


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the page under test-artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def mouse_strokes(page, strokes: list, steps: int = 6) -> None:
    """Pen strokes in the draw pad's 280×280 coordinates, drawn with the mouse."""
    box = page.get_by_test_id("draw-canvas").bounding_box()
    assert box is not None
    x0, y0 = box["x"], box["y"]
    for stroke in strokes:
        page.mouse.move(x0 + stroke[0][0], y0 + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(x0 + x, y0 + y, steps=steps)
        page.mouse.up()


def start_run(page, fields: dict[str, object], preset: str | None = None,
              until: str = "running", timeout: float = 30_000) -> None:
    """Open the playground, optionally load a preset by its label, fill the training fields
    (test id → value), press Start and wait for the run's status."""
    import re

    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_test_id("layer-0-shape")).to_have_text(re.compile(r"\(\d"), timeout=15_000)
    if preset:
        page.get_by_test_id("preset-select").select_option(label=preset)
    for testid, value in fields.items():
        page.get_by_test_id(testid).fill(str(value))
    page.get_by_test_id("seed").blur()
    page.get_by_test_id("start-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", until,
                                                               timeout=timeout)
