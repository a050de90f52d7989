"""How many WebSockets each person has open.  Each one costs a hub subscription, a bounded
queue and two tasks, so one page or script (a learner on a class's network, say) must not
hold an unbounded number.  Keyed by who is signed in, not by address: a class behind one
school router shares a single address."""

from __future__ import annotations

import threading


class SocketCounts:
    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, who: str, limit: int) -> bool:
        """Count one more socket of ``who``, unless they already have ``limit``."""
        with self._lock:
            held = self._open.get(who, 0)
            if held >= limit:
                return False
            self._open[who] = held + 1
            return True

    def give(self, who: str) -> None:
        with self._lock:
            held = self._open.get(who, 0) - 1
            if held > 0:
                self._open[who] = held
            else:
                self._open.pop(who, None)

    def held(self, who: str) -> int:
        with self._lock:
            return self._open.get(who, 0)
