"""Drawing on a model that trains: the pad never moves under the pen (mouse and touch), no
error appears, and a digit drawn once is re-judged as the weights change."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import mouse_strokes, screenshot, start_run

# Ten digits as pen strokes in the pad's 280×280 coordinates.
DIGITS = [
    [[(140, 50), (90, 90), (80, 170), (120, 230), (180, 220), (200, 140), (170, 60), (140, 50)]],
    [[(140, 50), (140, 240)]],
    [[(80, 90), (140, 50), (200, 90), (80, 230), (210, 230)]],
    [[(80, 60), (200, 70), (120, 140), (200, 190), (100, 240)]],
    [[(170, 240), (170, 50), (70, 180), (220, 180)]],
    [[(200, 50), (90, 50), (90, 130), (190, 150), (180, 230), (80, 230)]],
    [[(190, 50), (100, 130), (90, 220), (180, 220), (170, 150), (95, 160)]],
    [[(70, 60), (210, 60), (190, 110), (160, 170), (130, 240)]],
    [[(140, 140), (90, 90), (140, 50), (190, 90), (140, 140), (80, 200), (140, 240), (200, 200),
      (140, 140)]],
    [[(190, 110), (140, 50), (90, 100), (140, 140), (190, 110), (180, 240)]],
]

# Records the pad's viewport position on every animation frame, plus the epochs drawn.
WATCH = """() => {
  const pad = document.querySelector('[data-testid=draw-canvas]');
  const acc = document.querySelector('[data-testid=accuracy-chart]');
  const w = window.__padWatch = {xs: [], ys: [], epochs0: acc.data[1].x.length, on: true};
  const tick = () => {
    const r = pad.getBoundingClientRect();
    w.xs.push(r.left); w.ys.push(r.top);
    if (w.on) requestAnimationFrame(tick);
  };
  tick();
}"""
STOP_WATCH = """() => {
  const w = window.__padWatch; w.on = false;
  const acc = document.querySelector('[data-testid=accuracy-chart]');
  const span = (a) => Math.max(...a) - Math.min(...a);
  return {dx: span(w.xs), dy: span(w.ys), frames: w.xs.length,
          epochs: acc.data[1].x.length - w.epochs0};
}"""


def start_conv_run(page: Page) -> None:
    """SimpleConvNet on 3,000 images for 200 epochs: it trains through the whole drawing on any
    machine (the test stops it), and an epoch ends every few seconds (3 s here). Four epochs of
    600 were once enough; with a faster engine CI had finished all four before the first digit,
    so no epoch ended under the pen. 200 epochs of 600 ended four a second and slowed headless
    Chromium's pen to 10-24 s a digit (150 s a test), against 3-11 s with 3,000."""
    page.goto("/")
    expect(page.get_by_test_id("layer-0-shape")).to_have_text(re.compile(r"\(\d"), timeout=15_000)
    page.get_by_test_id("preset-select").select_option("preset:simple_conv_net")
    expect(page.get_by_test_id("layer-0")).to_have_attribute("data-type", "conv2d")
    sizes = {"train-size": 3000, "test-size": 200, "epochs": 200, "batch-size": 20}
    for testid, value in sizes.items():
        page.get_by_test_id(testid).fill(str(value))
    page.get_by_test_id("seed").blur()
    page.get_by_test_id("start-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running",
                                                               timeout=30_000)
    expect(page.get_by_test_id("loss-point-count")).not_to_have_text("0", timeout=30_000)


def stop_if_running(page: Page) -> None:
    """Leave no training behind in the shared server (a fast machine may have finished)."""
    if page.get_by_test_id("stop-button").is_enabled():
        page.get_by_test_id("stop-button").click()


def pad_origin(page: Page) -> tuple[float, float]:
    box = page.get_by_test_id("draw-canvas").bounding_box()
    assert box is not None
    return box["x"], box["y"]


def mouse_digit(page: Page, strokes: list, steps: int = 6) -> None:
    mouse_strokes(page, strokes, steps)


def touch_digit(page: Page, cdp, strokes: list) -> None:
    """A finger at a finger's pace: a move every 32 ms (30 Hz), at most ~24 px apart, 750 px/s.
    Faster strokes (3,000 px/s) ended in a fling, and Chromium swallowed the next tap on Clear
    as the tap that stops a fling (2 of 20 taps). 12 px every 16 ms (the same speed) took 84 s:
    each move waited ~0.2 s for the page, which follows the training run; 24 px, 47-57 s."""
    x0, y0 = pad_origin(page)
    for stroke in strokes:
        pts = []
        for (xa, ya), (xb, yb) in zip(stroke, stroke[1:], strict=False):
            n = max(2, int(max(abs(xb - xa), abs(yb - ya)) // 24))
            pts += [(xa + (xb - xa) * k / n, ya + (yb - ya) * k / n) for k in range(n)]
        pts.append(stroke[-1])
        x, y = pts[0]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                              "touchPoints": [{"x": x0 + x, "y": y0 + y}]})
        for x, y in pts[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                                  "touchPoints": [{"x": x0 + x, "y": y0 + y}]})
            page.wait_for_timeout(32)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def draw_ten(page: Page, draw, clear) -> dict:
    page.get_by_test_id("draw-canvas").scroll_into_view_if_needed()
    page.evaluate(WATCH)
    top = page.get_by_test_id("prediction-top")
    for digit in DIGITS:
        draw(digit)
        expect(top).to_have_text(re.compile(r"^\d$"), timeout=15_000)
        page.wait_for_timeout(250)
        clear()
        expect(top).to_have_text("–")
    # Keep watching until an epoch has ended during the drawing (the first one may be slow).
    expect(page.get_by_test_id("accuracy-latest")).to_have_text(re.compile(r"\d"), timeout=60_000)
    return page.evaluate(STOP_WATCH)


def test_ten_digits_with_the_mouse_while_a_conv_net_trains(page: Page) -> None:
    start_conv_run(page)
    try:
        # Two pointer moves a segment: while the page follows a training run, each move took
        # ~0.3 s in headless Chromium here, and six a segment made this test 110 s long.
        moved = draw_ten(page, lambda d: mouse_digit(page, d, steps=2),
                         lambda: page.get_by_test_id("draw-clear").click())
        assert moved["frames"] > 30
        assert moved["epochs"] >= 1, moved  # an epoch ended (accuracy, evaluation) meanwhile
        assert moved["dx"] <= 1 and moved["dy"] <= 1, f"the pad moved: {moved}"
        expect(page.get_by_test_id("error-toast")).to_have_count(0)
        screenshot(page, "drawing-while-training")
    finally:
        stop_if_running(page)  # a failure here must not leave a run training for the next test


def test_ten_digits_by_touch_on_a_tablet(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True,
                                  is_mobile=True, base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        start_conv_run(page)
        # Above the fold on a tablet: the whole pad is visible without scrolling.
        page.evaluate("window.scrollTo(0, 0)")
        x, y = pad_origin(page)
        assert y + 280 <= 1180, (x, y)
        cdp = context.new_cdp_session(page)

        def tap_clear() -> None:
            box = page.get_by_test_id("draw-clear").bounding_box()
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

        moved = draw_ten(page, lambda d: touch_digit(page, cdp, d), tap_clear)
        assert moved["epochs"] >= 1, moved
        assert moved["dx"] <= 1 and moved["dy"] <= 1, f"the pad moved: {moved}"
        expect(page.get_by_test_id("error-toast")).to_have_count(0)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the tablet page scrolls sideways: {widths}"
        screenshot(page, "drawing-touch-tablet")
    finally:
        stop_if_running(page)
        context.close()
    assert not errors, errors


def test_a_digit_drawn_once_is_rejudged_as_the_model_learns(page: Page) -> None:
    # 50,000 steps: a run that ends before three re-judgings would prove nothing (2,000 × 50
    # epochs finished in about 5 s on a quiet machine); the test stops it when it has seen enough.
    # Adam at 0.002 learns for the whole test; at 0.05 the network sometimes died at once
    # (every bar 10 %, never changing), depending on the last bits of the arithmetic.
    start_run(page, {"train-size": 5000, "test-size": 200, "epochs": 200, "batch-size": 20,
                     "lr-input": 0.002})
    page.get_by_test_id("draw-canvas").scroll_into_view_if_needed()
    mouse_digit(page, DIGITS[7])
    bars = page.get_by_test_id("prob-bars")
    expect(bars).not_to_have_attribute("data-judged", "0", timeout=15_000)
    widths = "[...document.querySelectorAll('[data-testid^=prob-bar-] .bar-fill')]" \
        ".map(e => e.style.width)"
    # The bars are drawn once the first answer is in (not merely counted as judged).
    page.wait_for_function(f"{widths}.some(w => parseFloat(w) > 0)", timeout=15_000)
    first = page.evaluate(widths)
    judged = int(bars.get_attribute("data-judged"))
    # No more drawing: only new weights can change the answer.
    page.wait_for_function(
        f"Number(document.querySelector('[data-testid=prob-bars]').dataset.judged) >= {judged + 3}",
        timeout=30_000)
    seen = json.dumps(json.dumps(first, separators=(",", ":")))  # as JS would write it
    page.wait_for_function(f"JSON.stringify({widths}) !== {seen}",
                           timeout=30_000)
    later = page.evaluate(widths)
    assert later != first, (first, later)
    page.get_by_test_id("stop-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "stopped",
                                                               timeout=15_000)
