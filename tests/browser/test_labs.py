"""Every lab opens, computes its first result and draws its chart (headless Chromium).

The labs are opened through their standalone view (/app/js/labs/view.html#<id>), which mounts
the same modules the main page lists from frontend/js/labs/index.js.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import screenshot

# lab id -> (the chart that shows its first result, the Stop button of its job or None)
LABS = {
    "perceptron": ("lab-plot-perceptron", None),
    "gradient_check": ("lab-plot-gradient_check", None),
    "optimizer_race": ("lab-plot-optimizer_race", None),
    "optimizers_mnist": ("lab-plot-optimizers_mnist", "optmnist-stop"),
    "weight_init": ("lab-plot-weight_init", None),
    "batch_norm": ("lab-plot-batch_norm", "bn-stop"),
    "overfitting": ("lab-plot-overfitting", "of-stop"),
    "hyperparameter_search": ("lab-plot-hyperparameter_search", "hp-stop"),
    "nielsen": ("lab-plot-nielsen", None),
}

# True once the chart has RENDERED at least MIN_POINTS points.  Plotly's calcdata is what it
# computed at its last draw; el.data would also count points pushed into arrays that were never
# drawn (a lab that grows its arrays in place showed only its first point that way).
MIN_POINTS = 3
HAS_POINTS = """([id, n]) => {
  const el = document.querySelector(`[data-testid="${id}"]`);
  if (!el || !el.classList.contains('js-plotly-plot') || !el.calcdata) return false;
  const real = (v) => v !== undefined && v !== false && v !== null && !Number.isNaN(v);
  let count = 0;
  for (const cd of el.calcdata) for (const p of cd) {
    if (p.z && p.z.length) count += n;  // a heatmap or contour is drawn whole
    else if ((real(p.x) && real(p.y)) || real(p.s)) count += 1;
  }
  return count >= n;
}"""

# True when every point the chart's traces hold has been drawn (rendered calcdata as long as
# the data arrays): catches views that grow arrays in place without making Plotly redraw.
ALL_DRAWN = """(id) => {
  const el = document.querySelector(`[data-testid="${id}"]`);
  return el.data.every((t, i) => !Array.isArray(t.x) || t.type === 'heatmap'
                                 || t.type === 'contour' || el.calcdata[i].length >= t.x.length);
}"""

TIMINGS: dict[str, float] = {}


@pytest.mark.parametrize("lab", list(LABS))
def test_lab_draws_its_first_result(page, lab: str) -> None:
    plot, stop = LABS[lab]
    t0 = time.monotonic()
    page.goto(f"/#/labs/{lab}")
    page.wait_for_selector(f'[data-testid="lab-{lab}"]')
    page.wait_for_function(HAS_POINTS, arg=[plot, MIN_POINTS], timeout=45_000)
    TIMINGS[lab] = time.monotonic() - t0
    assert "error" not in (page.get_attribute(f'[data-testid="lab-status-{lab}"]', "class") or "")
    text = page.get_by_test_id(f"lab-{lab}").inner_text()
    for junk in ("null", "undefined", "NaN", "[object Object]"):  # leaked JS values
        assert junk not in text.split(), f"{lab} shows {junk!r}"
    screenshot(page, f"lab-{lab}")
    if stop:  # don't leave training running in the shared server
        button = page.get_by_test_id(stop)
        if button.is_enabled():
            button.click()
    page.wait_for_function(ALL_DRAWN, arg=plot, timeout=10_000)
    print(f"\n{lab}: first result drawn after {TIMINGS[lab]:.2f} s")


def test_race_click_on_the_surface_moves_the_start(page) -> None:
    page.goto("/app/js/labs/view.html#optimizer_race&lang=ja")
    page.wait_for_function(HAS_POINTS, arg=["lab-plot-optimizer_race", MIN_POINTS],
                           timeout=20_000)
    assert page.get_by_text("最適化手法の比較").count() >= 1  # Japanese by default
    page.get_by_test_id("race-lr-sgd").fill("-1")
    page.get_by_test_id("race-run").click()
    status = page.get_by_test_id("lab-status-optimizer_race")
    page.wait_for_function("() => document.querySelector('[data-testid=lab-status-optimizer_race]')"
                           ".classList.contains('lab-error')")
    assert "lrs.sgd" in status.inner_text()  # the bad value is named in plain words
    # the browser logs the 422 response itself; that one is expected
    page.errors[:] = [e for e in page.errors if "422" not in e]
    page.get_by_test_id("race-lr-sgd").fill("0.95")
    box = page.get_by_test_id("lab-plot-optimizer_race").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    page.wait_for_function("() => Number(document.querySelector('[data-testid=race-x]').value) > 0")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=lab-status-optimizer_race]')"
        ".classList.contains('lab-error')")
    screenshot(page, "lab-optimizer_race-clicked")
    page.get_by_role("button", name="English").click()  # the view's language toggle
    page.get_by_text("Optimizer race on 2-D surfaces").first.wait_for()
    assert page.get_by_test_id("race-run").inner_text() == "Run"


def test_perceptron_gates_and_xor(page) -> None:
    page.goto("/app/js/labs/view.html#perceptron&lang=en")
    verdict = page.get_by_test_id("pc-verdict")
    page.get_by_test_id("pc-gate-nand").click()
    page.wait_for_function("() => document.querySelector('[data-testid=pc-verdict]')"
                           ".innerText.includes('NAND')")
    page.get_by_test_id("pc-b").fill("5")  # the line leaves the square: always 1, no gate
    page.wait_for_function("() => document.querySelector('[data-testid=pc-verdict]')"
                           ".innerText.includes('Not AND')")
    page.get_by_test_id("pc-xor-try").click()
    page.wait_for_function("() => document.querySelector('[data-testid=pc-verdict]')"
                           ".innerText.includes('not linearly separable')")
    assert "XOR" in verdict.inner_text()
    page.wait_for_function(HAS_POINTS, arg=["lab-plot-perceptron-toy", MIN_POINTS], timeout=30_000)
    screenshot(page, "lab-perceptron-xor")
