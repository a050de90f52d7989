"""fit's progress display: an HTML bar updated in place inside a Jupyter kernel (found through
sys.modules, never imported), the text bar elsewhere, epoch lines only for verbose=2."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from nnplayground.engine import Sequential, layers
from nnplayground.engine.callbacks import ProgressBar
from nnplayground.engine.progress import NotebookProgress, progress_callback


class Handle:
    def __init__(self, shown: list) -> None:
        self.shown = shown

    def update(self, obj: object) -> None:
        self.shown.append(("update", obj.data))


def fake_kernel(monkeypatch: pytest.MonkeyPatch, kernel: bool = True) -> list:
    shown: list = []
    display = types.ModuleType("IPython.display")
    display.HTML = lambda text: types.SimpleNamespace(data=text)

    def show(obj: object, display_id: bool = False) -> Handle:
        shown.append(("display", obj.data))
        return Handle(shown)

    display.display = show
    shell = types.SimpleNamespace(kernel=object() if kernel else None)
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return shown


def fit(verbose: int) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((60, 4), dtype=np.float32), rng.integers(0, 3, 60)
    model = Sequential([layers.Dense(3)], input_shape=(4,), rng=0).compile("sgd")
    model.fit(x, y, batch_size=10, epochs=2, verbose=verbose)


def test_inside_a_notebook_one_display_is_updated_in_place(monkeypatch, capsys) -> None:
    shown = fake_kernel(monkeypatch)
    assert isinstance(progress_callback(1), NotebookProgress)
    fit(verbose=1)
    kinds = [kind for kind, _ in shown]
    assert kinds[0] == "display" and kinds.count("display") == 1 and "update" in kinds
    last = shown[-1][1]
    assert "epoch 2/2 done" in last and last.count("<tr><td>") == 2  # one row per epoch
    assert "<progress value='6' max='6'" in "".join(text for _, text in shown)
    assert capsys.readouterr().out == ""  # no text bar as well


def test_terminal_ipython_and_scripts_get_the_text_bar(monkeypatch, capsys) -> None:
    fake_kernel(monkeypatch, kernel=False)
    assert isinstance(progress_callback(1), ProgressBar)
    fit(verbose=1)
    out = capsys.readouterr().out
    assert "\repoch 1/2 1/6 [" in out and out.count("\n") == 2
    fit(verbose=2)
    out = capsys.readouterr().out
    assert "[" not in out and out.count("\n") == 2  # Keras's verbose=2: one line per epoch
