"""The PostgreSQL store against a real PostgreSQL: the same contract as SQLite, the schema
version and its migration, and a server restart under a live store."""

from __future__ import annotations

import psycopg
import pytest

from nnplayground.jobs.errors import StoreUnavailable
from nnplayground.jobs.model import Kind
from nnplayground.jobs.pg_store import MIGRATIONS, SCHEMA_VERSION, PgJobStore
from tests.cluster.conftest import Postgres


def test_history_persists_and_live_jobs_become_interrupted(fresh_db: str) -> None:
    store = PgJobStore(fresh_db)
    assert store.found_version == 0
    a, _ = store.create(Kind.TRAIN, "a", {"epochs": 1})
    b, _ = store.create(Kind.TRAIN, "b", {"epochs": 1})
    lab, _ = store.create(Kind.LAB, "overfitting", {"lab": "overfitting", "params": {}})
    store.update(a, status="completed", result={"accuracy": float("nan")})
    store.update(b, status="running", progress={"step": 3})
    store.add_steps(b, [[1, 2.3], [2, None], [3, 2.1]])
    store.add_steps(b, [[3, 2.0]])  # a step written twice keeps the last value
    store.add_epoch(a, 1, {"epoch": 1, "loss": 0.5})
    store.add_events(lab, [(1, "progress", '{"epoch": 1}')])
    store.close()

    again = PgJobStore(fresh_db)  # another server on the same database
    assert again.found_version == SCHEMA_VERSION
    assert again.mark_interrupted() == 2  # the running run and the queued lab job
    assert again.get(a)["status"] == "completed" and again.get(a)["result"] == {"accuracy": None}
    assert again.get(b)["status"] == "interrupted"
    assert again.history(b)["steps"] == [[1, 2.3], [2, None], [3, 2.0]]
    assert again.history(a)["epochs"] == [{"epoch": 1, "loss": 0.5}]
    assert [r["id"] for r in again.list(Kind.TRAIN)] == [b, a]
    assert [r["id"] for r in again.list(Kind.LAB)] == [lab]
    assert [r["id"] for r in again.list((Kind.LAB, Kind.TRAIN))] == [lab, b, a]
    assert again.count() == 3 and again.count(Kind.LAB) == 1
    assert again.events(lab) == [(1, "progress", {"epoch": 1})]
    assert [r["id"] for r in again.list(Kind.TRAIN, limit=1, offset=1)] == [a]
    again.replace_steps(b, [[2, 1.5]])
    assert again.history(b)["steps"] == [[2, 1.5]]
    again.delete(b)
    assert again.get(b) is None and again.history(b)["steps"] == []
    assert again.get(2**64) is None and again.get(0) is None
    with pytest.raises(ValueError, match="unknown job columns"):
        again.update(a, nonsense=1)
    mine, _ = again.create(Kind.TRAIN, "mine", {}, owner="hana")
    assert [r["id"] for r in again.list(Kind.TRAIN, owner="hana")] == [mine]
    assert again.count(Kind.TRAIN, owner="hana") == 1 and again.count(owner="nobody") == 0
    again.add_audit("teacher", "stop", mine, {"why": "idle"})
    again.delete(mine)  # the audit line outlives the job
    (line,) = again.audit()
    assert (line["actor"], line["action"], line["job_id"], line["detail"]) == \
        ("teacher", "stop", mine, {"why": "idle"})


def test_a_version_1_database_is_migrated(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for sql in MIGRATIONS[0]:
            conn.execute(sql)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute("INSERT INTO runs (name, config, status, created_at) "
                     "VALUES ('old', '{}', 'completed', 1.0)")
    store = PgJobStore(fresh_db)
    assert store.found_version == 1
    (old,) = store.list()
    assert old["name"] == "old" and old["kind"] == "train" and old["owner"] is None
    lab, _ = store.create(Kind.LAB, "x", {}, owner="teacher")
    store.add_events(lab, [(1, "progress", "{}")])
    assert store.get(lab)["owner"] == "teacher"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == \
            [(SCHEMA_VERSION,)]
    assert store.audit() == []  # and version 3's audit log


def test_a_newer_schema_is_refused(fresh_db: str) -> None:
    PgJobStore(fresh_db).close()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version=99")
    with pytest.raises(RuntimeError, match="schema version 99"):
        PgJobStore(fresh_db)


def test_the_store_reconnects_after_a_postgres_restart(fresh_db: str,
                                                       postgres: Postgres) -> None:
    store = PgJobStore(fresh_db)
    a, _ = store.create(Kind.TRAIN, "before", {})
    postgres.restart()
    b, _ = store.create(Kind.TRAIN, "after", {})  # the old connection is dead: a new one
    assert [r["name"] for r in store.list()] == ["after", "before"] and b > a


def test_a_database_that_stays_away_is_a_503_naming_it(fresh_db: str,
                                                       postgres: Postgres) -> None:
    store = PgJobStore(fresh_db, retry_seconds=0.5)
    store.url = fresh_db.rsplit(":", 1)[0] + ":1/nowhere"  # as if the server never came back
    store.close()
    with pytest.raises(StoreUnavailable, match="job database") as err:
        store.get(1)
    assert err.value.status == 503
