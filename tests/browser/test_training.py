"""Training from the page: live charts, pause/resume/stop, and drawing a digit for a prediction."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import mouse_strokes, screenshot


def open_playground(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("layer-0-shape")).to_have_text(re.compile(r"\(\d"), timeout=15_000)


def settings(page: Page, **values: object) -> None:
    for testid, value in values.items():
        page.get_by_test_id(testid.replace("_", "-")).fill(str(value))


def point_count(page: Page) -> int:
    return int(page.get_by_test_id("loss-point-count").text_content() or 0)


def draw_seven(page: Page) -> None:
    page.get_by_test_id("draw-canvas").scroll_into_view_if_needed()
    mouse_strokes(page, [[(70, 60), (210, 60), (190, 110), (160, 170), (130, 240)]], steps=8)


def test_train_preset_charts_then_draw_a_digit(page: Page) -> None:
    open_playground(page)
    page.get_by_test_id("preset-select").select_option(label="TwoLayerNet (ch. 5)")
    page.get_by_test_id("optimizer-select").select_option("adam")
    settings(page, train_size=1000, test_size=200, epochs=2, batch_size=50, lr_input=0.005)
    page.get_by_test_id("start-button").click()
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.get_by_test_id("loss-point-count")).not_to_have_text("0")
    assert point_count(page) > 0
    expect(page.get_by_test_id("accuracy-latest")).to_have_text(re.compile(r"\d+\.\d%"))
    expect(page.get_by_test_id("accuracy-chart").locator(".trace")).to_have_count(2)
    heatmap = page.get_by_test_id("confusion-matrix").locator(".heatmaplayer")
    expect(heatmap).to_have_count(1, timeout=15_000)
    expect(page.get_by_test_id("progress-step")).to_have_text("40 / 40")
    expect(page.get_by_test_id("activation-histograms").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("history-item").first).to_be_visible()
    screenshot(page, "training")

    # Clicking a confusion cell filters the gallery to that (true, predicted) pair.
    mistakes = page.get_by_test_id("mistake")
    if mistakes.count():
        label, pred = mistakes.first.locator("figcaption").text_content().split(" ")[0].split("→")
        page.evaluate("""([t, p]) => document.querySelector('[data-testid=confusion-matrix]')
            .emit('plotly_click', {points: [{x: Number(p), y: Number(t)}]})""", [label, pred])
        expect(page.get_by_test_id("gallery-filter")).to_contain_text(f"true {label}")
        for caption in mistakes.locator("figcaption").all_text_contents():
            assert caption.startswith(f"{label}→{pred}")

    page.get_by_test_id("draw-panel").scroll_into_view_if_needed()
    draw_seven(page)
    top = page.get_by_test_id("prediction-top")
    expect(top).to_have_text(re.compile(r"^\d$"), timeout=15_000)
    bars = page.locator("[data-testid^=prob-bar-]")
    expect(bars).to_have_count(10)
    widths = bars.locator(".bar-fill").evaluate_all(
        "els => els.map(e => parseFloat(e.style.width))")
    assert abs(sum(widths) - 100) < 1.0, widths
    assert widths.index(max(widths)) == int(top.text_content())
    screenshot(page, "draw-pad")
    page.get_by_test_id("draw-clear").click()
    expect(top).to_have_text("–")

    # Save the trained model on the server, then predict with it as the source.
    page.get_by_test_id("run-save-name").fill("browser-test-model")
    page.get_by_test_id("run-save").click()
    expect(page.get_by_test_id("info-toast").last).to_contain_text("browser-test-model")
    source = page.get_by_test_id("predict-source")
    expect(source.locator("option[value='model:browser-test-model']")).to_have_count(1)
    source.select_option("model:browser-test-model")
    draw_seven(page)
    expect(top).to_have_text(re.compile(r"^\d$"), timeout=15_000)


def test_pause_resume_stop_and_live_learning_rate(page: Page) -> None:
    open_playground(page)
    page.get_by_test_id("preset-select").select_option(label="TwoLayerNet (ch. 5)")
    settings(page, train_size=2000, test_size=200, epochs=200, batch_size=20)
    page.get_by_test_id("start-button").click()
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "running", timeout=30_000)
    expect(page.get_by_test_id("loss-point-count")).not_to_have_text("0", timeout=30_000)
    page.get_by_test_id("pause-button").click()
    expect(status).to_have_attribute("data-status", "paused", timeout=15_000)
    # Paused means paused: the step count comes to rest and stays.  The page may still be
    # drawing steps that were sent before the pause when the pause request's own answer
    # says "paused" (TwoLayerNet runs ~2,500 steps/s here), so it is given a moment first.
    progress = page.get_by_test_id("progress-step")
    steps = [progress.text_content()]
    for _ in range(20):  # bounded: 20 x 300 ms
        page.wait_for_timeout(300)
        steps.append(progress.text_content())
        if steps[-1] == steps[-2]:
            break
    page.wait_for_timeout(600)
    assert progress.text_content() == steps[-1], steps
    page.get_by_test_id("live-lr").fill("0.05")
    page.get_by_test_id("apply-lr").click()
    expect(page.get_by_test_id("info-toast")).to_contain_text("0.05")
    page.get_by_test_id("resume-button").click()
    expect(status).to_have_attribute("data-status", "running", timeout=15_000)
    page.get_by_test_id("stop-button").click()
    expect(status).to_have_attribute("data-status", "stopped", timeout=15_000)
    expect(page.get_by_test_id("start-button")).to_be_enabled()
    expect(page.get_by_test_id("pause-button")).to_be_disabled()
    first_run = page.get_by_test_id("history-item").first.get_attribute("data-run")

    # A second run; the first one can then be overlaid on its loss and accuracy charts.
    page.get_by_test_id("start-button").click()
    expect(status).to_have_attribute("data-status", "running", timeout=30_000)
    page.get_by_test_id("stop-button").click()
    expect(status).to_have_attribute("data-status", "stopped", timeout=15_000)
    overlay = page.get_by_test_id(f"history-overlay-{first_run}")
    expect(overlay).to_be_enabled()
    overlay.check()
    # Plotly's own data: trace 0 is this run (maybe still empty), trace 1 the overlaid run.
    traces = "document.querySelector('[data-testid=loss-chart]').data.map(d => d.x.length)"
    page.wait_for_function(f"{traces}.length === 2 && {traces}[1] > 0")
    overlay.uncheck()
    page.wait_for_function(f"{traces}.length === 1")


def test_server_error_is_shown_in_plain_words(page: Page) -> None:
    open_playground(page)
    settings(page, batch_size=0)
    page.get_by_test_id("start-button").click()
    toast = page.get_by_test_id("error-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Mini-batch size")
    page.errors[:] = [e for e in page.errors if "422" not in e]  # Chromium logs the 4xx itself


def test_toy_dataset_shows_a_live_decision_boundary(page: Page) -> None:
    open_playground(page)
    expect(page.get_by_test_id("boundary-card")).to_be_hidden()
    page.get_by_test_id("dataset-select").select_option("xor")
    expect(page.get_by_test_id("boundary-card")).to_be_visible()
    expect(page.get_by_test_id("draw-panel")).to_be_hidden()  # no digits to draw on 2-D data
    expect(page.get_by_test_id("input-shape")).to_have_value("[2]")
    page.get_by_test_id("model-init").select_option("he")
    page.get_by_test_id("optimizer-select").select_option("adam")
    settings(page, train_size=300, test_size=100, epochs=30, batch_size=20, lr_input=0.02)
    page.get_by_test_id("start-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "completed", timeout=60_000)
    plot = page.get_by_test_id("boundary-plot")
    expect(plot.locator(".heatmaplayer")).to_have_count(1, timeout=15_000)
    # the training points are drawn over the map, both classes
    counts = plot.evaluate("el => el.data.slice(1).map((t) => t.x.length)")
    assert len(counts) == 2 and min(counts) > 50 and sum(counts) == 300
    # the map is a real boundary: both classes get confident regions
    z = plot.evaluate("el => el.data[0].z.flat()")
    assert min(z) < 0.2 and max(z) > 0.8
    screenshot(page, "decision-boundary")


def test_run_table_matches_the_server_and_a_deleted_run_stays_gone(page: Page, live_server) -> None:
    import httpx

    open_playground(page)
    settings(page, train_size=400, test_size=100, epochs=2, batch_size=50, lr_input=0.1)
    page.get_by_test_id("run-name").fill("table-check")
    page.get_by_test_id("start-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                               timeout=60_000)
    row = page.locator("[data-testid=history-item]").filter(has_text="table-check").first
    run_id = row.get_attribute("data-run")
    run = httpx.get(f"{live_server.url}/api/runs/{run_id}").json()
    last = run["result"]["epochs"]
    expect(page.get_by_test_id(f"run-train-acc-{run_id}")).to_have_text(
        f"{last['accuracy'] * 100:.1f}%")
    expect(page.get_by_test_id(f"run-test-acc-{run_id}")).to_have_text(
        f"{last['val_accuracy'] * 100:.1f}%")
    expect(row).to_contain_text("SGD 0.1")
    screenshot(page, "run-table")

    # Space starts the next run and Escape stops it (focus on the page, not in a field).
    page.get_by_test_id("epochs").fill("200")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("Space")
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "running", timeout=30_000)
    page.keyboard.press("Escape")
    expect(status).to_have_attribute("data-status", "stopped", timeout=15_000)

    delete = page.get_by_test_id(f"run-delete-{run_id}")
    delete.click()
    delete.click()  # the second click confirms
    expect(page.locator(f"[data-testid=history-item][data-run='{run_id}']")).to_have_count(0)
    assert httpx.get(f"{live_server.url}/api/runs/{run_id}").status_code == 404
    page.errors[:] = [e for e in page.errors if "404" not in e]
    page.reload()
    expect(page.get_by_test_id("layer-0-shape")).to_have_text(re.compile(r"\(\d"), timeout=15_000)
    expect(page.get_by_test_id("history-item").first).to_be_visible()
    expect(page.locator(f"[data-testid=history-item][data-run='{run_id}']")).to_have_count(0)


def test_trained_model_downloads_as_npz_and_uploads_back(page: Page, tmp_path) -> None:
    open_playground(page)
    settings(page, train_size=300, test_size=100, epochs=1, batch_size=50)
    page.get_by_test_id("start-button").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                               timeout=60_000)
    with page.expect_download() as csv_info:
        page.get_by_test_id("loss-csv").click()
    csv = (tmp_path / "loss.csv")
    csv_info.value.save_as(csv)
    lines = csv.read_text().splitlines()
    assert lines[0] == '"trace","step","loss"', lines[:3]
    # one row per point the chart holds (the socket may coalesce steps into fewer points)
    assert len(lines) - 1 == int(page.get_by_test_id("loss-point-count").text_content()) > 0
    page.get_by_test_id("run-save-name").fill("export-me")
    page.get_by_test_id("run-save").click()
    link = page.get_by_test_id("run-download")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "copy-of-export.npz"
    info.value.save_as(path)
    assert path.read_bytes()[:2] == b"PK"  # an .npz is a zip archive
    page.get_by_test_id("model-upload").set_input_files(str(path))
    expect(page.get_by_test_id("info-toast").last).to_contain_text("copy-of-export")
    source = page.get_by_test_id("predict-source")
    expect(source.locator("option[value='model:copy-of-export']")).to_have_count(1)
    source.select_option("model:copy-of-export")
    draw_seven(page)
    expect(page.get_by_test_id("prediction-top")).to_have_text(re.compile(r"^\d$"),
                                                              timeout=15_000)
