"""日本語 mode all the way: server errors (a spec error, a bad learning rate, a 409) are worded
in Japanese from their codes, and the visible page has no English words but proper names."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import LiveServer, start_server
from tests.server.conftest import LONG_RUN

# Proper names (people, methods, datasets, the book's class and file names), units, file
# formats and key names: the book itself writes these in Latin letters.
ALLOWED = {
    "MNIST", "Fashion", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "Xavier",
    "He", "LeCun", "ReLU", "LeakyReLU", "Affine", "Softmax", "with", "Loss", "Flatten", "tanh",
    "sigmoid", "Max", "Average", "TwoLayerNet", "SimpleConvNet", "DeepConvNet", "MultiLayerNet",
    "MLP", "BatchNorm", "Dropout", "Dense", "Weight", "decay", "two_layer_net", "py", "KiB",
    "MiB", "NaN", "PNG", "CSV", "npz", "Esc", "Alt", "Delete", "English", "XOR",
    "exp", "max", "xW",  # formulae: max(0, x), 1 / (1 + exp(−x)), y = xW + b
}
# Text a person typed or chose (run and model names) is not the page's wording.
VISIBLE_TEXT = """() => {
  const skip = (el) => el.closest('[data-user-text], [hidden], .help-bubble[hidden]');
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || el.closest('script, style, svg')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    out.push(n.textContent);
  }
  for (const el of document.querySelectorAll('option')) {
    if (!el.closest('[hidden]')) out.push(el.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
    if (el.closest('[hidden], svg')) continue;
    out.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '',
             el.getAttribute('placeholder') || '');
  }
  return out.join('\\n');
}"""


def english_words(page: Page) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z_][A-Za-z_]+", page.evaluate(VISIBLE_TEXT))
            if w not in ALLOWED}


@pytest.fixture(scope="module")
def one_slot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server training one run at a time, so a second run waits in the queue."""
    data = tmp_path_factory.mktemp("oneslot") / "data"
    data.mkdir()
    server = start_server(data, env={"NNPG_MAX_CONCURRENT": "1"})
    yield server
    server.stop()


@pytest.fixture
def ja_page(browser, one_slot_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768},
                                  base_url=one_slot_server.url)
    context.add_init_script("localStorage.setItem('nnpg.lang', 'ja')")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto("/")
    expect(page.get_by_test_id("layer-0-shape")).to_have_text(re.compile(r"\(\d"), timeout=15_000)
    yield page
    context.close()
    # Chromium logs each 4xx itself; the expected ones are 409 and 422.
    assert not [e for e in errors if not re.search(r"\b(409|422)\b", e)], errors


def japanese(text: str) -> bool:
    return bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text))


def test_errors_are_japanese_and_no_english_is_left(ja_page: Page, one_slot_server) -> None:
    page = ja_page
    assert english_words(page) == set(), english_words(page)

    # 1. A spec error: SimpleConvNet without its Flatten (the "try this" experiment).
    page.get_by_test_id("try-flatten").click()
    message = page.get_by_test_id("validation-message")
    expect(message).to_contain_text("平坦化", timeout=10_000)
    error = page.locator("[data-testid$=-error]:visible").first
    expect(error).to_contain_text("全結合層")
    assert japanese(message.text_content()) and "layer" not in message.text_content()
    assert english_words(page) == set(), english_words(page)
    screenshot(page, "ja-spec-error")

    # 2. A bad learning rate, refused by the server (422 value.greater_than).
    page.get_by_test_id("preset-select").select_option("preset:two_layer_net")
    expect(message).to_have_text("モデルは正しく構成されています。")
    page.get_by_test_id("lr-input").fill("-1")
    page.get_by_test_id("start-button").click()
    toast = page.get_by_test_id("error-toast")
    expect(toast).to_contain_text("学習率")
    expect(toast).to_contain_text("0 より大きい値")
    assert english_words(page) == set(), english_words(page)
    page.get_by_test_id("toast-close").click()

    # 3. A 409: another run holds the only training slot, ours waits in the queue (the pad
    #    says it has no weights yet, without asking), is stopped before it ever trained, and
    #    a digit judged by that stopped run gets the server's 409: it left no weights.
    blocker = httpx.post(f"{one_slot_server.url}/api/runs", json=LONG_RUN).json()
    try:
        page.get_by_test_id("lr-input").fill("0.1")
        page.get_by_test_id("start-button").click()
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "queued",
                                                                   timeout=15_000)
        expect(page.get_by_test_id("run-status")).to_have_text("待機中")
        # ... and says so beside the buttons, where the learner is looking
        expect(page.get_by_test_id("queue-note")).to_have_text(
            "順番待ち（1 番目）：先に並んだ学習が終わると始まります。")
        page.get_by_test_id("draw-canvas").scroll_into_view_if_needed()
        box = page.get_by_test_id("draw-canvas").bounding_box()
        page.mouse.move(box["x"] + 140, box["y"] + 50)
        page.mouse.down()
        page.mouse.move(box["x"] + 140, box["y"] + 240, steps=8)
        page.mouse.up()
        note = page.get_by_test_id("predict-note")
        expect(note).to_contain_text("まだ重みがありません（待機中）", timeout=10_000)
        page.get_by_test_id("stop-button").click()
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "stopped",
                                                                   timeout=15_000)
        expect(page.get_by_test_id("queue-note")).to_be_hidden()
        page.mouse.move(box["x"] + 100, box["y"] + 60)  # one more stroke asks the stopped run
        page.mouse.down()
        page.mouse.move(box["x"] + 180, box["y"] + 60, steps=4)
        page.mouse.up()
        # the server answers 409 no_weights_yet {status: stopped}, worded in Japanese
        expect(note).to_contain_text("重みがありません（停止）", timeout=10_000)
        assert japanese(note.text_content())
        expect(page.get_by_test_id("error-toast")).to_have_count(0)
        assert english_words(page) == set(), english_words(page)
        screenshot(page, "ja-conflict")
    finally:
        httpx.post(f"{one_slot_server.url}/api/runs/{blocker['id']}/stop")
