"""A learner's own script (callbacks.Playground) shows up on the page as a run: it is in the
history, and the draw pad predicts with its weights."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_training import draw_seven, open_playground
from tests.conftest import ROOT, LiveServer

SCRIPT = ROOT / "tests" / "keras" / "playground_script.py"


def test_a_script_run_is_on_the_page_and_predicts_a_drawn_digit(page: Page,
                                                                 live_server: LiveServer) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), live_server.url, "my notebook", "3", "0"],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and "PlaygroundWarning" not in done.stderr, done.stderr
    runs = httpx.get(live_server.url + "/api/runs", timeout=10).json()
    rid = next(r["id"] for r in runs if r["name"] == "my notebook")
    run = httpx.get(f"{live_server.url}/api/runs/{rid}", timeout=10).json()
    assert run["status"] == "completed" and len(run["history"]["epochs"]) == 3

    open_playground(page)
    item = page.locator(f"[data-testid=history-item][data-run='{rid}']")
    expect(item).to_contain_text("my notebook")
    # Its curves can be laid over the charts like any earlier run's.
    page.get_by_test_id(f"history-overlay-{rid}").check()
    traces = "document.querySelector('[data-testid=loss-chart]').data"
    page.wait_for_function(f"{traces}.some((d) => d.x.length >= 100)")
    # The draw pad predicts with the script's weights.
    source = page.get_by_test_id("predict-source")
    expect(source.locator(f"option[value='run:{rid}']")).to_have_count(1)
    source.select_option(f"run:{rid}")
    page.get_by_test_id("draw-panel").scroll_into_view_if_needed()
    draw_seven(page)
    top = page.get_by_test_id("prediction-top")
    expect(top).to_have_text(re.compile(r"^\d$"), timeout=15_000)
    bars = page.locator("[data-testid^=prob-bar-]")
    expect(bars).to_have_count(10)
    widths = bars.locator(".bar-fill").evaluate_all(
        "els => els.map(e => parseFloat(e.style.width))")
    assert abs(sum(widths) - 100) < 1.0 and widths.index(max(widths)) == int(top.text_content())
    screenshot(page, "remote-run-draw-pad")
