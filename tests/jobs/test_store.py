from __future__ import annotations

import sqlite3

from nnplayground.jobs.model import Kind
from nnplayground.jobs.store import SqliteJobStore


def test_history_persists_and_live_jobs_become_interrupted(tmp_path) -> None:
    db = tmp_path / "runs.sqlite3"
    store = SqliteJobStore(db)
    a, _ = store.create(Kind.TRAIN, "a", {"epochs": 1})
    b, _ = store.create(Kind.TRAIN, "b", {"epochs": 1})
    lab, _ = store.create(Kind.LAB, "overfitting", {"lab": "overfitting", "params": {}})
    store.update(a, status="completed", result={"accuracy": float("nan")})
    store.update(b, status="running", progress={"step": 3})
    store.add_steps(b, [[1, 2.3], [2, None], [3, 2.1]])
    store.add_epoch(a, 1, {"epoch": 1, "loss": 0.5})
    store.add_events(lab, [(1, "progress", '{"epoch": 1}')])
    store.close()

    again = SqliteJobStore(db)  # a new server process on the same data dir
    assert again.mark_interrupted() == 2  # the running run and the queued lab job
    assert again.get(a)["status"] == "completed" and again.get(a)["result"] == {"accuracy": None}
    assert again.get(b)["status"] == "interrupted"
    assert again.history(b)["steps"] == [[1, 2.3], [2, None], [3, 2.1]]
    assert again.history(a)["epochs"] == [{"epoch": 1, "loss": 0.5}]
    assert [r["id"] for r in again.list(Kind.TRAIN)] == [b, a]
    assert [r["id"] for r in again.list(Kind.LAB)] == [lab]
    assert again.events(lab) == [(1, "progress", {"epoch": 1})]
    assert [r["id"] for r in again.list(Kind.TRAIN, limit=1, offset=1)] == [a]
    again.delete(b)
    assert again.get(b) is None and again.history(b)["steps"] == []
    assert again.get(2**64) is None and again.get(0) is None  # ids no row can have


def test_a_version_1_database_is_migrated(tmp_path) -> None:
    db = tmp_path / "runs.sqlite3"
    old = sqlite3.connect(db)
    old.executescript("""
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
          config TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL,
          started_at REAL, finished_at REAL, progress TEXT, result TEXT, error TEXT);
        INSERT INTO runs (name, config, status, created_at) VALUES ('old', '{}', 'completed', 1);
    """)
    old.commit()
    old.close()
    store = SqliteJobStore(db)
    row = store.get(1)
    assert row["kind"] == "train" and row["name"] == "old" and row["owner"] is None
    assert store.list(Kind.TRAIN)[0]["id"] == 1


def test_a_corrupt_database_is_moved_aside(tmp_path) -> None:
    db = tmp_path / "runs.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    store = SqliteJobStore(db)
    assert store.moved_aside is not None and store.moved_aside.exists()
    assert store.list() == []
    job, _ = store.create(Kind.TRAIN, "fresh", {})
    assert store.get(job)["name"] == "fresh"


def test_a_read_only_database_is_a_503_not_a_crash(tmp_path) -> None:
    import os

    import pytest

    from nnplayground.jobs.errors import StoreUnavailable

    if os.geteuid() == 0:  # root writes through file modes: make the file read-only for real
        store = SqliteJobStore(tmp_path / "runs.sqlite3")
        store._db.execute("PRAGMA query_only=ON")
    else:
        (tmp_path / "runs.sqlite3").touch()
        store = SqliteJobStore(tmp_path / "runs.sqlite3")
        os.chmod(tmp_path / "runs.sqlite3", 0o444)
    with pytest.raises(StoreUnavailable) as err:
        store.create(Kind.TRAIN, "x", {})
    assert err.value.status == 503 and err.value.code == "storage_unavailable"
    with pytest.raises(StoreUnavailable):
        store.add_steps(1, [[1, 0.5]])
