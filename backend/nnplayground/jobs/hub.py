"""Broadcast hub: training threads publish, WebSocket clients receive.

Publishing is thread-safe and cheap: with no subscriber for a topic it returns at once;
otherwise the payload is JSON-encoded once and handed to the asyncio loop with
``loop.call_soon_threadsafe``.  Each client owns a bounded queue; when it is full only
throttleable messages (step, activations, weights, filters) are dropped, so a slow client
never slows training and never loses an epoch, evaluation or status message.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .encode import dumps

PROTOCOL_VERSION = 2  # 2: lab jobs share the run protocol (status events, unified statuses)
DROPPABLE = frozenset({"step", "activations", "weights", "filters"})
ALL_RUNS = "all"  # topic of the /ws/runs stream (status of every run)


@dataclass
class Message:
    type: str
    run: int | None
    data_json: str | None = None  # encoded once for all clients
    data: dict[str, Any] | None = None  # step payloads stay raw: each client aggregates
    layer: int | None = None  # filters: which conv layer
    seq: int | None = None  # the job's own event number (a late joiner skips what it has)


@dataclass(eq=False)  # identity hashing: clients live in sets
class Client:
    rate: float = 10.0
    max_queue: int = 256
    filters_layer: int | None = None
    queue: deque = field(default_factory=deque)
    event: asyncio.Event = field(default_factory=asyncio.Event)
    seq: int = 0
    dropped: int = 0
    overflow: bool = False
    skip_through: int = 0  # job events up to this number came with the state message
    last_type: str | None = None  # the type and data of the envelope ``next`` returned
    last_data: str | None = None
    _acc: dict[str, Any] | None = None
    _next_step_due: float = 0.0

    def envelope(self, type_: str, run: int | None, data_json: str) -> str:
        self.seq += 1
        return (f'{{"v":{PROTOCOL_VERSION},"type":"{type_}","run":'
                f'{"null" if run is None else run},"seq":{self.seq},"data":{data_json}}}')

    def set_rate(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value <= 0:
            raise ValueError(f"rate must be a positive number, got {value!r}")
        self.rate = float(min(max(value, 0.2), 60.0))
        self._next_step_due = 0.0

    def _push(self, type_: str, run: int | None, data_json: str,
              seq: int | None = None) -> None:
        if len(self.queue) >= self.max_queue:
            for i, (t, *_) in enumerate(self.queue):
                if t in DROPPABLE:
                    del self.queue[i]
                    self.dropped += 1
                    break
            else:
                if len(self.queue) >= 4 * self.max_queue:
                    self.overflow = True  # the handler closes this client
                    self.event.set()
                    return
        self.queue.append((type_, run, data_json, seq))
        self.event.set()

    def _flush_steps(self, run: int | None) -> None:
        acc, self._acc = self._acc, None
        if not acc:
            return
        count = acc.pop("_count")
        acc["loss"] = acc.pop("_sum") / count if count else None
        acc["count"] = count
        # A schedule, not "now + interval": late sends do not push later ones back, so the
        # average holds the chosen rate even though steps arrive at irregular times.
        interval, now = 1.0 / self.rate, time.monotonic()
        self._next_step_due += interval
        if self._next_step_due < now - interval:
            self._next_step_due = now + interval
        seq = acc.pop("_seq", None)
        self._push("step", run, dumps(acc), seq)

    def offer(self, msg: Message) -> None:
        """Runs on the event loop for every published message."""
        if msg.type == "step":
            d = msg.data or {}
            acc = self._acc
            if acc is None:
                acc = self._acc = {"_sum": 0.0, "_count": 0}
            acc["_sum"] += d.get("loss_sum", 0.0)
            acc["_count"] += d.get("count", 0)
            acc.update({k: v for k, v in d.items() if k not in ("loss_sum", "count")})
            acc["_seq"] = msg.seq
            if time.monotonic() >= self._next_step_due:
                self._flush_steps(msg.run)
            return
        if msg.type == "filters" and msg.layer is not None and self.filters_layer is not None \
                and msg.layer != self.filters_layer:
            return
        if msg.type in ("epoch", "status", "evaluation"):
            self._flush_steps(msg.run)  # the interval's mean must not be lost at an epoch end
        self._push(msg.type, msg.run, msg.data_json or "null", msg.seq)

    def send_now(self, type_: str, run: int | None, data: Any) -> None:
        self._push(type_, run, dumps(data))

    async def next(self) -> str | None:
        """The next encoded envelope, or None when this client overflowed."""
        while True:
            while not self.queue:
                if self.overflow:
                    return None
                self.event.clear()
                await self.event.wait()
            if self.overflow:
                return None
            t, run, data_json, seq = self.queue.popleft()
            if seq is None or seq > self.skip_through:
                break
        self.last_type, self.last_data = t, data_json
        return self.envelope(t, run, data_json)


class Hub:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._topics: dict[object, set[Client]] = {}
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def subscribe(self, topic: object, client: Client) -> None:
        with self._lock:
            self._topics.setdefault(topic, set()).add(client)

    def unsubscribe(self, topic: object, client: Client) -> None:
        with self._lock:
            clients = self._topics.get(topic)
            if clients is not None:
                clients.discard(client)
                if not clients:
                    del self._topics[topic]

    def has_subscribers(self, topic: object) -> bool:
        return bool(self._topics.get(topic))

    def publish(self, topic: object, type_: str, run: int | None, data: Any,
                layer: int | None = None, seq: int | None = None) -> None:
        """Thread-safe.  A "step" ``data`` is {loss_sum, count, ...}, aggregated per client."""
        if self.loop is None or not self._topics.get(topic):
            return
        if type_ == "step":
            msg = Message(type_, run, data=data, seq=seq)
        else:
            msg = Message(type_, run, data_json=dumps(data), layer=layer, seq=seq)
        with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
            self.loop.call_soon_threadsafe(self._dispatch, topic, msg)

    def _dispatch(self, topic: object, msg: Message) -> None:
        for client in list(self._topics.get(topic, ())):
            client.offer(msg)
