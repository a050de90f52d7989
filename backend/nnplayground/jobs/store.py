"""One store interface for jobs and their history, and its SQLite implementation.

A second implementation (PostgreSQL for a class on many machines) is one more class with
the same methods.  Rows come back as plain dicts with JSON columns decoded.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from .encode import dumps
from .errors import StoreUnavailable
from .model import LIVE, Kind, Status
from .sqlite_schema import open_database

log = logging.getLogger("nnplayground.jobs")
MAX_ID = 2**63 - 1  # SQLite's INTEGER; larger ids cannot exist
JSON_COLUMNS = ("config", "progress", "result", "error")
COLUMNS = ("id", "kind", "name", "owner", "config", "status", "created_at", "started_at",
           "finished_at", "progress", "result", "error")


def decode_row(row: tuple) -> dict[str, Any]:
    """A ``runs`` row as a dict with its JSON columns decoded (every store's rows)."""
    out = dict(zip(COLUMNS, row, strict=True))
    for key in JSON_COLUMNS:
        out[key] = None if out[key] is None else json.loads(out[key])
    return out


class JobStore(ABC):
    """Jobs (runs, lab jobs, trials), per-epoch rows, the step history and lab events."""

    @abstractmethod
    def create(self, kind: Kind, name: str, config: dict[str, Any],
               owner: str | None = None) -> tuple[int, float]: ...

    @abstractmethod
    def update(self, job_id: int, **fields: Any) -> None: ...

    @abstractmethod
    def get(self, job_id: int) -> dict[str, Any] | None: ...

    @abstractmethod
    def list(self, kind: Kind | tuple[Kind, ...] | None = None, limit: int = 100,
             offset: int = 0, owner: str | None = None) -> list[dict[str, Any]]:
        """Newest first; ``owner`` keeps one learner's jobs only."""

    @abstractmethod
    def count(self, kind: Kind | None = None, owner: str | None = None) -> int: ...

    @abstractmethod
    def delete(self, job_id: int) -> None: ...

    @abstractmethod
    def add_epoch(self, job_id: int, epoch: int, data: dict[str, Any]) -> None: ...

    @abstractmethod
    def add_steps(self, job_id: int, steps: list[list]) -> None: ...

    @abstractmethod
    def replace_steps(self, job_id: int, steps: list[list]) -> None: ...

    @abstractmethod
    def history(self, job_id: int) -> dict[str, list]: ...

    @abstractmethod
    def add_events(self, job_id: int, events: list[tuple[int, str, str]]) -> None: ...

    @abstractmethod
    def events(self, job_id: int) -> list[tuple[int, str, Any]]: ...

    @abstractmethod
    def add_audit(self, actor: str | None, action: str, job_id: int | None,
                  detail: dict[str, Any] | None = None) -> None:
        """One line of the audit log: who started, paused, stopped or deleted what."""

    @abstractmethod
    def audit(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """Audit lines, newest first: {id, at, actor, action, job_id, detail}."""

    @abstractmethod
    def mark_interrupted(self) -> int:
        """Jobs a previous server process left live were cut off: say so, return how many."""

    @abstractmethod
    def close(self) -> None: ...


class SqliteJobStore(JobStore):
    """stdlib sqlite3 in WAL mode, one connection shared by every thread behind a lock
    (sqlite3 objects are not safe for concurrent use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = open_database(path)
        except sqlite3.DatabaseError as exc:
            # A corrupt file must not keep the server from starting: keep it for a look,
            # start afresh (finished runs' weight files stay where they are).
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(path) + suffix)
                if src.exists():
                    src.rename(Path(str(aside) + suffix))
            log.error("the run database %s is unreadable (%s); moved it to %s and started a "
                      "new one", path.name, exc, aside.name)
            self._db = open_database(path)
            self.moved_aside: Path | None = aside
        else:
            self.moved_aside = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _exec(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self._db.execute(sql, args)
            except sqlite3.OperationalError as exc:  # read-only, disk full, locked too long
                raise StoreUnavailable(f"the run database cannot be used: {exc}",
                                       reason=str(exc)) from None

    def _many(self, statements: list[tuple[str, list[tuple]]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN")
                for sql, rows in statements:
                    self._db.executemany(sql, rows)
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreUnavailable(f"the run database cannot be written: {exc}",
                                       reason=str(exc)) from None

    def mark_interrupted(self) -> int:
        live = [s.value for s in LIVE]
        cur = self._exec(f"UPDATE runs SET status=?, finished_at=? WHERE status IN "
                         f"({','.join('?' * len(live))})",
                         (Status.INTERRUPTED.value, time.time(), *live))
        return cur.rowcount

    def create(self, kind: Kind, name: str, config: dict[str, Any],
               owner: str | None = None) -> tuple[int, float]:
        now = time.time()
        cur = self._exec("INSERT INTO runs (kind, name, owner, config, status, created_at) "
                         "VALUES (?,?,?,?,?,?)",
                         (str(kind), name, owner, dumps(config), Status.QUEUED.value, now))
        return int(cur.lastrowid), now

    def update(self, job_id: int, **fields: Any) -> None:
        cols = [f"{key}=?" for key in fields]
        vals = [dumps(v) if k in JSON_COLUMNS else (str(v) if k == "status" else v)
                for k, v in fields.items()]
        self._exec(f"UPDATE runs SET {', '.join(cols)} WHERE id=?", (*vals, job_id))

    def add_epoch(self, job_id: int, epoch: int, data: dict[str, Any]) -> None:
        self._exec("INSERT OR REPLACE INTO epochs VALUES (?,?,?)", (job_id, epoch, dumps(data)))

    def add_steps(self, job_id: int, steps: list[list]) -> None:
        if steps:
            self._many([("INSERT OR REPLACE INTO steps VALUES (?,?,?)",
                         [(job_id, s, loss) for s, loss in steps])])

    def replace_steps(self, job_id: int, steps: list[list]) -> None:
        self._many([("DELETE FROM steps WHERE run_id=?", [(job_id,)]),
                    ("INSERT INTO steps VALUES (?,?,?)", [(job_id, s, loss) for s, loss in steps])])

    def add_events(self, job_id: int, events: list[tuple[int, str, str]]) -> None:
        if events:
            self._many([("INSERT OR REPLACE INTO events VALUES (?,?,?,?)",
                         [(job_id, seq, t, data) for seq, t, data in events])])

    def delete(self, job_id: int) -> None:
        self._exec("DELETE FROM runs WHERE id=?", (job_id,))

    _row = staticmethod(decode_row)

    def get(self, job_id: int) -> dict[str, Any] | None:
        if not 0 < job_id <= MAX_ID:
            return None
        row = self._exec(f"SELECT {', '.join(COLUMNS)} FROM runs WHERE id=?",
                         (job_id,)).fetchone()
        return None if row is None else self._row(row)

    @staticmethod
    def _where(kind: Kind | tuple[Kind, ...] | None, owner: str | None) -> tuple[str, tuple]:
        kinds = () if kind is None else (kind,) if isinstance(kind, Kind) else tuple(kind)
        conds, args = [], [str(k) for k in kinds]
        if kinds:
            conds.append(f"kind IN ({','.join('?' * len(kinds))})")
        if owner is not None:
            conds.append("owner=?")
            args.append(owner)
        return ("WHERE " + " AND ".join(conds) if conds else ""), tuple(args)

    def list(self, kind: Kind | tuple[Kind, ...] | None = None, limit: int = 100,
             offset: int = 0, owner: str | None = None) -> list[dict[str, Any]]:
        where, args = self._where(kind, owner)
        rows = self._exec(f"SELECT {', '.join(COLUMNS)} FROM runs {where} ORDER BY id DESC "
                          "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        return [self._row(r) for r in rows]

    def count(self, kind: Kind | None = None, owner: str | None = None) -> int:
        where, args = self._where(kind, owner)
        return self._exec(f"SELECT COUNT(*) FROM runs {where}", args).fetchone()[0]

    def add_audit(self, actor: str | None, action: str, job_id: int | None,
                  detail: dict[str, Any] | None = None) -> None:
        self._exec("INSERT INTO audit (at, actor, action, job_id, detail) VALUES (?,?,?,?,?)",
                   (time.time(), actor, action, job_id, dumps(detail or {})))

    def audit(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        rows = self._exec("SELECT id, at, actor, action, job_id, detail FROM audit "
                          "ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        return [{"id": i, "at": at, "actor": actor, "action": action, "job_id": job,
                 "detail": json.loads(detail)} for i, at, actor, action, job, detail in rows]

    def history(self, job_id: int) -> dict[str, list]:
        steps = self._exec("SELECT step, loss FROM steps WHERE run_id=? ORDER BY step",
                           (job_id,)).fetchall()
        epochs = self._exec("SELECT data FROM epochs WHERE run_id=? ORDER BY epoch",
                            (job_id,)).fetchall()
        return {"steps": [list(s) for s in steps], "epochs": [json.loads(e[0]) for e in epochs]}

    def events(self, job_id: int) -> list[tuple[int, str, Any]]:
        rows = self._exec("SELECT seq, type, data FROM events WHERE run_id=? ORDER BY seq",
                          (job_id,)).fetchall()
        return [(seq, t, json.loads(d)) for seq, t, d in rows]
