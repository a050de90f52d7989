"""Schema v3 of the job store: the audit log (who started, stopped, deleted what) and
listing one owner's jobs; a v2 database (the job system before classrooms) is migrated."""

from __future__ import annotations

import sqlite3

from nnplayground.jobs.model import Kind
from nnplayground.jobs.sqlite_schema import SCHEMA_VERSION
from nnplayground.jobs.store import SqliteJobStore


def test_the_audit_log_outlives_the_jobs_it_names(tmp_path) -> None:
    store = SqliteJobStore(tmp_path / "runs.sqlite3")
    job, _ = store.create(Kind.TRAIN, "a", {}, owner="aiko")
    store.add_audit("aiko", "start", job, {"kind": "train"})
    store.add_audit("sensei", "stop", job)
    store.delete(job)
    store.add_audit("sensei", "delete", job, {"name": "a"})
    lines = store.audit()
    assert [(x["actor"], x["action"], x["job_id"]) for x in lines] == [
        ("sensei", "delete", job), ("sensei", "stop", job), ("aiko", "start", job)]
    assert lines[0]["detail"] == {"name": "a"} and lines[1]["detail"] == {}
    assert lines[0]["at"] >= lines[2]["at"]
    assert [x["action"] for x in store.audit(limit=1, offset=1)] == ["stop"]


def test_one_owners_jobs(tmp_path) -> None:
    store = SqliteJobStore(tmp_path / "runs.sqlite3")
    a1, _ = store.create(Kind.TRAIN, "a1", {}, owner="aiko")
    b1, _ = store.create(Kind.TRAIN, "b1", {}, owner="ben")
    a2, _ = store.create(Kind.LAB, "a2", {}, owner="aiko")
    store.create(Kind.TRAIN, "local", {})
    assert [r["id"] for r in store.list(Kind.TRAIN, owner="aiko")] == [a1]
    assert [r["id"] for r in store.list(owner="aiko")] == [a2, a1]
    assert [r["id"] for r in store.list(Kind.TRAIN, owner="ben")] == [b1]
    assert store.count(Kind.TRAIN) == 3 and store.count(owner="aiko") == 2
    assert store.count(Kind.LAB, owner="ben") == 0


def test_a_version_2_database_gets_the_audit_log(tmp_path) -> None:
    db = tmp_path / "runs.sqlite3"
    old = sqlite3.connect(db)
    old.executescript("""
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
          config TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL,
          started_at REAL, finished_at REAL, progress TEXT, result TEXT, error TEXT,
          kind TEXT NOT NULL DEFAULT 'train', owner TEXT);
        INSERT INTO runs (name, config, status, created_at, owner)
          VALUES ('old', '{}', 'completed', 1, 'aiko');
        PRAGMA user_version=2;
    """)
    old.commit()
    old.close()
    store = SqliteJobStore(db)
    assert store.list(owner="aiko")[0]["name"] == "old"
    store.add_audit("sensei", "delete", 1)
    assert store.audit()[0]["action"] == "delete"
    store.close()
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
