"""What ``fit(verbose=1)`` shows: a live HTML progress bar inside Jupyter, the plain-text bar
(callbacks.ProgressBar) everywhere else; ``verbose=2`` prints one line per epoch.

The engine imports nothing but numpy and the standard library, so IPython is never imported
here: inside a notebook kernel it is already loaded, and ``sys.modules`` hands it over.
"""

from __future__ import annotations

import html
import sys
import time
from typing import Any

from .callbacks import Callback, Logs, ProgressBar

UPDATE_EVERY = 0.2  # s between redraws: each one is a message to the browser


def notebook_display() -> Any:
    """IPython.display when this process is a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    display = sys.modules.get("IPython.display")
    get_shell = getattr(ipython, "get_ipython", None)
    shell = get_shell() if callable(get_shell) else None
    # Terminal IPython has no kernel: its stdout handles "\r" bars fine.
    if shell is None or display is None or getattr(shell, "kernel", None) is None:
        return None
    return display


def progress_callback(verbose: int) -> Callback:
    if verbose == 1:
        display = notebook_display()
        if display is not None:
            return NotebookProgress(display)
    return ProgressBar(bar=verbose == 1)


class NotebookProgress(Callback):
    """A <progress> bar with loss and ETA for the current epoch, above a table of finished
    epochs; one display output updated in place at most every ``UPDATE_EVERY`` seconds."""

    def __init__(self, display: Any) -> None:
        super().__init__()
        self.display = display
        self.handle: Any = None
        self.rows: list[str] = []
        self.header = ""
        self.epochs = self.steps = 0
        self._last = 0.0

    def _show(self, current: str) -> None:
        body = f"<div>{current}</div>"
        if self.rows:
            body += (f"<table><thead><tr>{self.header}</tr></thead><tbody>"
                     f"{''.join(self.rows)}</tbody></table>")
        content = self.display.HTML(body)
        if self.handle is None:
            self.handle = self.display.display(content, display_id=True)
        else:
            self.handle.update(content)

    def on_train_begin(self, logs: Logs) -> None:
        self.epochs, self.steps = int(logs.get("epochs", 0)), int(logs.get("steps_per_epoch", 0))
        self.rows, self.handle = [], None

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        self._start = time.perf_counter()
        self._loss_sum, self._seen = 0.0, 0
        self._last = 0.0

    def on_batch_end(self, step: int, logs: Logs) -> None:
        self._loss_sum += float(logs["loss"]) * logs["size"]
        self._seen += logs["size"]
        now = time.perf_counter()
        done = logs["batch"] + 1
        if now - self._last < UPDATE_EVERY and done < self.steps:
            return
        self._last = now
        eta = (now - self._start) / done * (self.steps - done)
        self._show(
            f"epoch {logs['epoch'] + 1}/{self.epochs} "
            f"<progress value='{done}' max='{self.steps}' style='width:20em'></progress> "
            f"{done}/{self.steps} · loss {self._loss_sum / self._seen:.4f} · eta {eta:.0f}s"
        )

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        keys = [k for k, v in logs.items() if v is not None]
        self.header = "<th>epoch</th>" + "".join(f"<th>{html.escape(k)}</th>" for k in keys)
        cells = "".join(f"<td>{logs[k]:.4f}</td>" for k in keys)
        self.rows.append(f"<tr><td>{epoch + 1}</td>{cells}</tr>")
        self._show(f"epoch {epoch + 1}/{self.epochs} done")
