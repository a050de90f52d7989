"""``Playground``: watch your own script's or notebook's ``fit`` live on a running
nn-playground server, as a run like any other (docs/python-api.md has the HTTP contract).

    model.fit(x, y, epochs=5, callbacks=[Playground(url="http://127.0.0.1:8000", name="mine")])

Training never waits for the server.  The training thread only appends to bounded buffers:
a deque of step events (the oldest are dropped beyond ``max_events``), the list of epoch
rows (never dropped), and one slot holding the latest weight copy.  A daemon thread sends
them every ``send_every`` seconds with ``timeout``-bounded requests (stdlib urllib; proxies
are bypassed for loopback addresses).  When no server answers, or it stops answering
mid-fit, the callback says so once with a PlaygroundWarning, raised in the training thread
so a notebook shows it in the cell, and from then on does nothing.  ``on_train_end`` waits
at most ``end_timeout`` seconds for the last batch to go out.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import warnings
from collections import deque
from typing import Any
from urllib.parse import quote

from .callbacks import Callback, Logs
from .playground_http import Refused, Unreachable, _Http  # noqa: F401 - Refused: re-exported
from .serialization import archive_bytes

EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds")
CREATE_TIMEOUT = 20.0  # s
HEARTBEAT = 60.0  # s without events before an empty batch is sent
MAX_BATCH = 2000  # events per request: keeps one body far below the server's 8 MiB limit


class PlaygroundWarning(UserWarning):
    """The server could not be reached or refused the run; training went on without it."""


def _caller_level() -> int:
    """The stacklevel of the first frame outside nnplayground (the script's ``fit`` call),
    so the warning points at the user's line."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("nnplayground"):
        frame, level = frame.f_back, level + 1
    return level


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class Playground(Callback):
    def __init__(
        self,
        url: str = "http://127.0.0.1:8000",
        name: str | None = None,
        dataset: str | None = "auto",
        weights_every: float = 2.0,
        send_every: float = 0.25,
        timeout: float = 5.0,
        end_timeout: float = 10.0,
        max_events: int = 20_000,
    ) -> None:
        super().__init__()
        self.http = _Http(url, timeout)
        self.url = self.http.base
        self.name = name
        self.dataset = dataset
        self.weights_every, self.send_every = weights_every, send_every
        self.end_timeout = end_timeout
        self.max_events = max_events
        self.run_id: int | None = None
        self.token: str | None = None
        self.dropped = 0
        self._thread: threading.Thread | None = None

    # ---- the training thread ---------------------------------------------------------------
    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._steps: deque[dict] = deque()
        self._epochs: list[dict] = []
        self._weights: tuple[list, int | None] | None = None
        self._end: dict | None = None
        self._dead = False
        self._warning: str | None = None
        self._warned = False
        self._last_weights = 0.0
        self._step = 0

    def _guess_dataset(self) -> str | None:
        if self.dataset != "auto":
            return self.dataset
        m = self.model
        images = m.input_shape is not None and math.prod(m.input_shape) == 784
        return "mnist" if images and tuple(m.output_shape or ()) == (10,) else None

    def on_train_begin(self, logs: Logs) -> None:
        self._reset()
        m = self.model
        opt = m.optimizer.get_config()
        weight_decay = opt.pop("weight_decay", 0.0)
        body = {
            "name": self.name or f"{m.name} (script)",
            "spec": m.get_config(),
            "dataset": self._guess_dataset(),
            "optimizer": opt,
            "weight_decay": weight_decay,
            "loss": m.loss_name,
            "epochs": int(logs.get("epochs", 1)),
            "initial_epoch": int(logs.get("initial_epoch", 0)),
            "batch_size": int(logs.get("batch_size", 1)),
            "steps_per_epoch": int(logs.get("steps_per_epoch", 1)),
            "train_size": int(logs.get("samples", 1)),
        }
        self._snapshot(None)  # the first weights: filters "before training"
        self._thread = threading.Thread(target=self._run, args=(body,), daemon=True,
                                        name="nnpg-playground")
        self._thread.start()

    def _snapshot(self, epoch: int | None) -> None:
        self._last_weights = time.monotonic()
        weights = self.model.get_weights()  # copies, taken between two steps
        with self._lock:
            tag = epoch
            if self._weights is not None and self._weights[1] is not None:
                tag = max(self._weights[1], epoch or 0)  # keep an unsent epoch's evaluation
            self._weights = (weights, tag)

    def _say(self) -> None:
        if self._warning is not None and not self._warned:
            self._warned = True
            warnings.warn(self._warning, PlaygroundWarning, stacklevel=_caller_level())

    def on_batch_end(self, step: int, logs: Logs) -> None:
        self._say()
        if self._dead:
            return
        self._step = step
        event = {"type": "step", "step": int(step), "loss": _finite(logs.get("loss")),
                 "epoch": int(logs.get("epoch", 0))}
        with self._lock:
            self._steps.append(event)
            if len(self._steps) > self.max_events:
                self._steps.popleft()
                self.dropped += 1
        if time.monotonic() - self._last_weights >= self.weights_every:
            self._snapshot(None)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self._dead:
            return
        row = {"type": "epoch", "epoch": epoch + 1, "step": self._step}
        row.update({k: _finite(logs.get(k)) for k in EPOCH_KEYS})
        if row["accuracy"] is None:  # compiled as metrics=["acc"] or another Keras name
            row["accuracy"] = _finite(next((v for k, v in logs.items()
                                            if "acc" in k and not k.startswith("val_")), None))
            row["val_accuracy"] = _finite(next((v for k, v in logs.items()
                                                if k.startswith("val_") and "acc" in k), None))
        with self._lock:
            self._epochs.append(row)
        self._snapshot(epoch + 1)
        self._wake.set()

    def on_train_end(self, logs: Logs) -> None:
        if self._thread is None:
            return
        if not self._dead:
            self._snapshot(None)
            with self._lock:
                error = logs.get("error")  # the server keeps up to 2,000 characters
                self._end = {"status": logs.get("status", "completed"),
                             "error": None if error is None else str(error)[:1000],
                             "result": {"params": self.model.count_params(),
                                        "dropped_steps": self.dropped}}
            self._wake.set()
        self._thread.join(self.end_timeout)
        if self._thread.is_alive() and self._warning is None:
            self._warning = (f"Playground: the server at {self.url} is slow; the end of this "
                             "run may not be shown (サーバーが遅く、この実行の最後は表示されない"
                             "かもしれません)")
        self._say()

    # ---- the sending thread ----------------------------------------------------------------
    def _fail(self, message: str) -> None:
        self._warning = message
        self._dead = True

    def _take(self) -> tuple[list[dict], Any, dict | None]:
        with self._lock:
            events = list(self._steps) + self._epochs  # an epoch row follows its steps
            self._steps.clear()
            self._epochs = []
            weights, self._weights = self._weights, None
            return events, weights, self._end

    def _run(self, body: dict) -> None:
        try:
            # The server may load the test set first (~1 s for MNIST's SHA-256 check, longer
            # on a busy machine); this thread can wait, training does not.
            created = self.http.post("/api/runs/remote", body, CREATE_TIMEOUT)
            self.run_id, self.token = int(created["id"]), str(created["token"])
        except Unreachable as exc:
            self._fail(f"Playground: no nn-playground server answers at {self.url} ({exc}); "
                       "training goes on, but this run is not shown. Start one with "
                       "`nnplayground serve`. (サーバーが応答しません。学習は続きますが、"
                       "この実行は表示されません。)")
            return
        except (Refused, KeyError, ValueError) as exc:
            self._fail(f"Playground: the server at {self.url} refused this run: {exc} "
                       "(サーバーがこの実行を受け付けませんでした。学習は続きます。)")
            return
        base = f"/api/runs/{self.run_id}/remote"
        weights_ok, last_post = True, time.monotonic()
        while True:
            self._wake.wait(self.send_every)
            self._wake.clear()
            events, weights, end = self._take()
            try:
                # An empty batch now and then says "still training" during a long step or
                # validation (the server ends runs whose client went silent).
                quiet = not events and time.monotonic() - last_post >= HEARTBEAT
                for i in range(0, len(events) or int(quiet), MAX_BATCH):
                    lr = getattr(self.model.optimizer, "lr", None)
                    self.http.post(f"{base}/events", {
                        "token": self.token, "events": events[i:i + MAX_BATCH], "lr": lr})
                    last_post = time.monotonic()
                if weights is not None and weights_ok:
                    weights_ok = self._send_weights(base, *weights)
                if end is not None:
                    self.http.post(f"{base}/end", {"token": self.token, **end})
                    return
            except Unreachable as exc:
                self._fail(f"Playground: the server at {self.url} stopped answering after "
                           f"step {self._step} ({exc}); training goes on without it. "
                           "(サーバーが途中で応答しなくなりました。学習はそのまま続きます。)")
                return
            except Refused as exc:
                self._fail(f"Playground: the server at {self.url} refused run {self.run_id}'s "
                           f"updates ({exc}); training goes on without it. "
                           "(サーバーが更新を受け付けません。学習はそのまま続きます。)")
                return

    def _send_weights(self, base: str, weights: list, epoch: int | None) -> bool:
        """PUT the weights as a model .npz (spec inside, never pickle); False when the server
        refuses them (too large), after which only metrics are sent."""
        m = self.model
        data = archive_bytes(m.get_config(), weights, m.dtype.name)
        query = f"?token={quote(self.token)}" + ("" if epoch is None else f"&epoch={epoch}")
        try:
            self.http.request("PUT", f"{base}/weights{query}", data, "application/octet-stream")
        except Refused as exc:
            self._warning = (f"Playground: the server at {self.url} refused the weights "
                             f"({exc}); curves are shown, predictions and filters are not. "
                             "(重みが受け付けられず、グラフだけが表示されます。)")
            return False
        return True
