"""SQLite run history in the data directory (stdlib sqlite3, WAL, one lock-guarded connection).

Runs, per-epoch metrics and the step history survive restarts; live-only state (queue
position, pause events, weights) stays in the run manager.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from ..jsonenc import dumps

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at REAL NOT NULL,
  started_at REAL,
  finished_at REAL,
  progress TEXT,
  result TEXT,
  error TEXT
);
CREATE TABLE IF NOT EXISTS epochs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS steps (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  loss REAL,
  PRIMARY KEY (run_id, step)
);
"""

LIVE_STATUSES = ("queued", "running", "paused")


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class RunStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the training threads and the request threads; the lock
        # serialises access (sqlite3 objects are not safe for concurrent use).
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _exec(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def mark_interrupted(self) -> int:
        """Runs the previous server process left behind were cut off, not lost."""
        cur = self._exec(
            f"UPDATE runs SET status='interrupted', finished_at=? WHERE status IN "
            f"({','.join('?' * len(LIVE_STATUSES))})", (time.time(), *LIVE_STATUSES))
        return cur.rowcount

    def create(self, name: str, config: dict) -> tuple[int, float]:
        now = time.time()
        cur = self._exec("INSERT INTO runs (name, config, status, created_at) VALUES (?,?,?,?)",
                         (name, dumps(config), "queued", now))
        return int(cur.lastrowid), now

    def update(self, run_id: int, **fields: Any) -> None:
        cols, vals = [], []
        for key, value in fields.items():
            cols.append(f"{key}=?")
            vals.append(dumps(value) if key in ("progress", "result", "error") else value)
        self._exec(f"UPDATE runs SET {', '.join(cols)} WHERE id=?", (*vals, run_id))

    def add_epoch(self, run_id: int, epoch: int, data: dict) -> None:
        self._exec("INSERT OR REPLACE INTO epochs VALUES (?,?,?)", (run_id, epoch, dumps(data)))

    def add_steps(self, run_id: int, steps: list[tuple[int, float | None]]) -> None:
        if not steps:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO steps VALUES (?,?,?)",
                                 [(run_id, s, loss) for s, loss in steps])
            self._db.execute("COMMIT")

    def delete(self, run_id: int) -> None:
        self._exec("DELETE FROM runs WHERE id=?", (run_id,))

    def _row(self, row: tuple) -> dict[str, Any]:
        keys = ("id", "name", "config", "status", "created_at", "started_at", "finished_at",
                "progress", "result", "error")
        out = dict(zip(keys, row, strict=True))
        for key in ("config", "progress", "result", "error"):
            out[key] = _load(out[key])
        return out

    def get(self, run_id: int) -> dict[str, Any] | None:
        row = self._exec("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return None if row is None else self._row(row)

    def list(self) -> list[dict[str, Any]]:
        rows = self._exec("SELECT * FROM runs ORDER BY id DESC").fetchall()
        return [self._row(r) for r in rows]

    def history(self, run_id: int) -> dict[str, list]:
        steps = self._exec("SELECT step, loss FROM steps WHERE run_id=? ORDER BY step",
                           (run_id,)).fetchall()
        epochs = self._exec("SELECT data FROM epochs WHERE run_id=? ORDER BY epoch",
                            (run_id,)).fetchall()
        return {"steps": [list(s) for s in steps], "epochs": [json.loads(e[0]) for e in epochs]}
