"""The confusion matrix as a teacher uses it: a click on a cell lists every test example in
it, not only those that made the top list of confident mistakes."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, start_run

# Plotly's own axes place a cell: the click lands where a learner's pointer would.
CELL_XY = """([t, p]) => {
  const el = document.querySelector('[data-testid=confusion-matrix]');
  const {xaxis, yaxis} = el._fullLayout;
  const box = el.getBoundingClientRect();
  return [box.left + xaxis._offset + xaxis.l2p(p), box.top + yaxis._offset + yaxis.l2p(t)];
}"""


def test_a_cell_click_lists_all_of_its_examples(page: Page, live_server) -> None:
    # A weak model (300 images, one epoch) on 1,000 test images: hundreds of mistakes.
    start_run(page, {"train-size": 300, "test-size": 1000, "epochs": 1, "batch-size": 100,
                     "lr-input": 0.05}, preset="TwoLayerNet (ch. 5)", until="completed",
              timeout=60_000)
    heat = page.get_by_test_id("confusion-matrix")
    expect(heat.locator(".heatmaplayer")).to_have_count(1, timeout=15_000)
    run_id = page.get_by_test_id("history-item").first.get_attribute("data-run")
    confusion = page.evaluate(
        "document.querySelector('[data-testid=confusion-matrix]').data[0].z")
    cells = [(confusion[t][p], t, p) for t in range(10) for p in range(10) if t != p]
    count, t, p = max(cells)
    listed = [c for c in page.get_by_test_id("mistake").locator("figcaption").all_text_contents()
              if c.startswith(f"{t}→{p} ")]
    assert count > len(listed), (count, listed)  # the top list alone cannot show this cell

    heat.scroll_into_view_if_needed()
    x, y = page.evaluate(CELL_XY, [t, p])
    page.mouse.click(x, y)
    gallery = page.get_by_test_id("mistakes-gallery")
    note = page.get_by_test_id("gallery-filter")
    expect(note).to_contain_text(f"true {t} → predicted {p}")
    shown = min(count, 48)
    expect(note).to_contain_text(f"{shown} of the {count} in this cell", timeout=15_000)
    expect(gallery).to_have_attribute("data-shown", str(shown))
    more = page.get_by_test_id("gallery-more")
    while more.is_visible():  # a page at a time until the cell is all there
        before = int(gallery.get_attribute("data-shown"))
        more.click()
        expect(gallery).not_to_have_attribute("data-shown", str(before), timeout=15_000)
    captions = page.get_by_test_id("mistake").locator("figcaption").all_text_contents()
    assert len(captions) == count and all(c.startswith(f"{t}→{p} ") for c in captions)
    # The same examples as the server's cell, in the same order (most confident first).
    api = httpx.get(f"{live_server.url}/api/runs/{run_id}/mistakes",
                    params={"true": t, "pred": p, "limit": 200}).json()
    titles = page.get_by_test_id("mistake").evaluate_all("els => els.map(e => e.title)")
    assert titles == [f"#{m['index']}" for m in api["items"]] and api["total"] == count
    screenshot(page, "confusion-cell")

    # A second click on the cell shows the top list again.
    x, y = page.evaluate(CELL_XY, [t, p])
    page.mouse.click(x, y)
    expect(note).to_have_text("")
    expect(page.get_by_test_id("gallery-more")).to_be_hidden()
    # The keyboard's selects pick the same cell.
    page.get_by_test_id("cm-true").select_option(str(t))
    page.get_by_test_id("cm-pred").select_option(str(p))
    expect(note).to_contain_text(f"of the {count} in this cell", timeout=15_000)
