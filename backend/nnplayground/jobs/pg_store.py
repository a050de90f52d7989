"""The PostgreSQL job store (psycopg 3): the same interface as the SQLite one, for a class
whose app servers and Ray workers all write to one database.

The schema carries a version in ``schema_version``; migrations run on start, under an
advisory lock so that two app servers starting together do not both migrate.  One
connection behind a lock per process (like SQLite): the writes are small and few (steps
are batched every 5 s, epochs once an epoch), measured at well under 1 ms each here.

A dropped connection (PostgreSQL restarted, a network blip) is opened again and the
statement retried for up to ``retry_seconds``: the app servers and job hosts carry on
without a restart of their own.  Past that, StoreUnavailable (a 503 naming the database).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from .encode import dumps
from .errors import StoreUnavailable
from .model import LIVE, Kind, Status
from .store import COLUMNS, JSON_COLUMNS, MAX_ID, JobStore, decode_row

log = logging.getLogger("nnplayground.jobs")
T = TypeVar("T")

SCHEMA_VERSION = 3
# Version 1: runs, epochs and steps.  Version 2: lab jobs share the table (kind, owner)
# and their events have a table of their own.  Version 3: the audit log of a class (no
# foreign key: a line about a deleted job outlives the job), and learners' own lists.
MIGRATIONS: dict[int, list[str]] = {
    0: ["""CREATE TABLE runs (
             id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL,
             status TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
             started_at DOUBLE PRECISION, finished_at DOUBLE PRECISION,
             progress TEXT, result TEXT, error TEXT)""",
        """CREATE TABLE epochs (
             run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
             epoch INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, epoch))""",
        """CREATE TABLE steps (
             run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
             step BIGINT NOT NULL, loss DOUBLE PRECISION, PRIMARY KEY (run_id, step))"""],
    1: ["ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train'",
        "ALTER TABLE runs ADD COLUMN owner TEXT",
        """CREATE TABLE events (
             run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
             seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
             PRIMARY KEY (run_id, seq))""",
        "CREATE INDEX runs_kind ON runs(kind, id)"],
    2: ["""CREATE TABLE audit (
             id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, actor TEXT,
             action TEXT NOT NULL, job_id BIGINT, detail TEXT)""",
        "CREATE INDEX runs_owner ON runs(owner, kind, id)"],
}
MIGRATION_LOCK = 0x6E6E7067  # "nnpg": one advisory lock id for this schema


def migrate(conn: psycopg.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target``; return the version found."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        found = 0 if row is None else row[0]
        if found > target:
            raise RuntimeError(f"the database has schema version {found}; this server knows "
                               f"up to {target}: upgrade the server")
        for v in range(found, target):
            for sql in MIGRATIONS[v]:
                conn.execute(sql)
        if row is None:
            conn.execute("INSERT INTO schema_version VALUES (%s)", (target,))
        else:
            conn.execute("UPDATE schema_version SET version=%s", (target,))
    return found


class PgJobStore(JobStore):
    def __init__(self, url: str, retry_seconds: float = 20.0) -> None:
        self.url, self.retry_seconds = url, retry_seconds
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self.found_version = migrate(self._connection())

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        return self._conn

    def _run(self, fn: Callable[[psycopg.Connection], T]) -> T:
        deadline = time.monotonic() + self.retry_seconds
        while True:
            with self._lock:
                try:
                    return fn(self._connection())
                except psycopg.OperationalError as exc:
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = None
                    if time.monotonic() >= deadline:  # a 503 naming it, not a crash
                        raise StoreUnavailable(f"the job database cannot be reached: {exc}",
                                               reason=str(exc)) from None
                    log.warning("the job database went away (%s); reconnecting", exc)
            time.sleep(0.25)

    def _exec(self, sql: str, args: tuple = ()) -> list[tuple]:
        def go(conn: psycopg.Connection) -> list[tuple]:
            cur = conn.execute(sql, args)
            return cur.fetchall() if cur.description is not None else []
        return self._run(go)

    def _many(self, sql: str, rows: list[tuple], before: tuple | None = None) -> None:
        def go(conn: psycopg.Connection) -> None:
            with conn.transaction(), conn.cursor() as cur:
                if before is not None:
                    cur.execute(*before)
                cur.executemany(sql, rows)
        self._run(go)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def mark_interrupted(self) -> int:
        def go(conn: psycopg.Connection) -> int:
            return conn.execute("UPDATE runs SET status=%s, finished_at=%s WHERE status = ANY(%s)",
                                (Status.INTERRUPTED.value, time.time(),
                                 [s.value for s in LIVE])).rowcount
        return self._run(go)

    def create(self, kind: Kind, name: str, config: dict[str, Any],
               owner: str | None = None) -> tuple[int, float]:
        now = time.time()
        row = self._exec("INSERT INTO runs (kind, name, owner, config, status, created_at) "
                         "VALUES (%s,%s,%s,%s,%s,%s) RETURNING id",
                         (str(kind), name, owner, dumps(config), Status.QUEUED.value, now))
        return int(row[0][0]), now

    def update(self, job_id: int, **fields: Any) -> None:
        cols = [f"{key}=%s" for key in fields if key in COLUMNS]
        if len(cols) != len(fields):
            raise ValueError(f"unknown job columns: {sorted(set(fields) - set(COLUMNS))}")
        vals = [dumps(v) if k in JSON_COLUMNS else (str(v) if k == "status" else v)
                for k, v in fields.items()]
        self._exec(f"UPDATE runs SET {', '.join(cols)} WHERE id=%s", (*vals, job_id))

    def add_epoch(self, job_id: int, epoch: int, data: dict[str, Any]) -> None:
        self._exec("INSERT INTO epochs VALUES (%s,%s,%s) ON CONFLICT (run_id, epoch) "
                   "DO UPDATE SET data=EXCLUDED.data", (job_id, epoch, dumps(data)))

    def add_steps(self, job_id: int, steps: list[list]) -> None:
        if steps:
            self._many("INSERT INTO steps VALUES (%s,%s,%s) ON CONFLICT (run_id, step) "
                       "DO UPDATE SET loss=EXCLUDED.loss",
                       [(job_id, s, loss) for s, loss in steps])

    def replace_steps(self, job_id: int, steps: list[list]) -> None:
        self._many("INSERT INTO steps VALUES (%s,%s,%s)",
                   [(job_id, s, loss) for s, loss in steps],
                   before=("DELETE FROM steps WHERE run_id=%s", (job_id,)))

    def add_events(self, job_id: int, events: list[tuple[int, str, str]]) -> None:
        if events:
            self._many("INSERT INTO events VALUES (%s,%s,%s,%s) ON CONFLICT (run_id, seq) "
                       "DO UPDATE SET type=EXCLUDED.type, data=EXCLUDED.data",
                       [(job_id, seq, t, data) for seq, t, data in events])

    def delete(self, job_id: int) -> None:
        self._exec("DELETE FROM runs WHERE id=%s", (job_id,))

    _row = staticmethod(decode_row)

    def get(self, job_id: int) -> dict[str, Any] | None:
        if not 0 < job_id <= MAX_ID:
            return None
        rows = self._exec(f"SELECT {', '.join(COLUMNS)} FROM runs WHERE id=%s", (job_id,))
        return self._row(rows[0]) if rows else None

    @staticmethod
    def _where(kind: Kind | tuple[Kind, ...] | None, owner: str | None) -> tuple[str, tuple]:
        kinds = () if kind is None else (kind,) if isinstance(kind, Kind) else tuple(kind)
        terms, args = [], []
        if kinds:
            terms.append("kind = ANY(%s)")
            args.append([str(k) for k in kinds])
        if owner is not None:
            terms.append("owner = %s")
            args.append(owner)
        return ("WHERE " + " AND ".join(terms) if terms else ""), tuple(args)

    def list(self, kind: Kind | tuple[Kind, ...] | None = None, limit: int = 100,
             offset: int = 0, owner: str | None = None) -> list[dict[str, Any]]:
        where, args = self._where(kind, owner)
        rows = self._exec(f"SELECT {', '.join(COLUMNS)} FROM runs {where} ORDER BY id DESC "
                          "LIMIT %s OFFSET %s", (*args, limit, offset))
        return [self._row(r) for r in rows]

    def count(self, kind: Kind | None = None, owner: str | None = None) -> int:
        where, args = self._where(kind, owner)
        return self._exec(f"SELECT COUNT(*) FROM runs {where}", args)[0][0]

    def add_audit(self, actor: str | None, action: str, job_id: int | None,
                  detail: dict[str, Any] | None = None) -> None:
        self._exec("INSERT INTO audit (at, actor, action, job_id, detail) "
                   "VALUES (%s,%s,%s,%s,%s)",
                   (time.time(), actor, action, job_id, dumps(detail or {})))

    def audit(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        rows = self._exec("SELECT id, at, actor, action, job_id, detail FROM audit "
                          "ORDER BY id DESC LIMIT %s OFFSET %s", (limit, offset))
        return [{"id": i, "at": at, "actor": actor, "action": action, "job_id": job,
                 "detail": json.loads(detail)} for i, at, actor, action, job, detail in rows]

    def history(self, job_id: int) -> dict[str, list]:
        steps = self._exec("SELECT step, loss FROM steps WHERE run_id=%s ORDER BY step",
                           (job_id,))
        epochs = self._exec("SELECT data FROM epochs WHERE run_id=%s ORDER BY epoch",
                            (job_id,))
        return {"steps": [list(s) for s in steps], "epochs": [json.loads(e[0]) for e in epochs]}

    def events(self, job_id: int) -> list[tuple[int, str, Any]]:
        rows = self._exec("SELECT seq, type, data FROM events WHERE run_id=%s ORDER BY seq",
                          (job_id,))
        return [(seq, t, json.loads(d)) for seq, t, d in rows]
