"""The SQLite store's schema, its version and the migrations that bring an older data
directory up to it (run on every start, before anything else touches the database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 3
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
  error TEXT,
  kind TEXT NOT NULL DEFAULT 'train',
  owner TEXT
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
CREATE TABLE IF NOT EXISTS events (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS runs_kind ON runs(kind, id);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at REAL NOT NULL,
  actor TEXT,
  action TEXT NOT NULL,
  job_id INTEGER,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS runs_owner ON runs(owner, kind, id);
"""
AUDIT_TABLE = ("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "at REAL NOT NULL, actor TEXT, action TEXT NOT NULL, job_id INTEGER, detail TEXT)")
# Version 1 (before the job system) had runs without kind/owner and no events table;
# version 2 had no audit log (classrooms).  The audit log keeps no foreign key: a line about
# a deleted job must outlive the job.
MIGRATIONS = {1: ["ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train'",
                  "ALTER TABLE runs ADD COLUMN owner TEXT"],
              2: [AUDIT_TABLE]}


def open_database(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    has_runs = db.execute("SELECT 1 FROM sqlite_master WHERE name='runs'").fetchone()
    if version == 0 and has_runs:
        version = 1
    for v in range(version or SCHEMA_VERSION, SCHEMA_VERSION):
        for sql in MIGRATIONS.get(v, []):
            db.execute(sql)
    db.executescript(SCHEMA)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    db.execute("PRAGMA quick_check").fetchone()
    return db
