from __future__ import annotations

from nnplayground.server.services.store import RunStore


def test_history_persists_and_live_runs_become_interrupted(tmp_path) -> None:
    db = tmp_path / "runs.sqlite3"
    store = RunStore(db)
    a, _ = store.create("a", {"epochs": 1})
    b, _ = store.create("b", {"epochs": 1})
    store.update(a, status="completed", result={"accuracy": float("nan")})
    store.update(b, status="running", progress={"step": 3})
    store.add_steps(b, [(1, 2.3), (2, None), (3, 2.1)])
    store.add_epoch(a, 1, {"epoch": 1, "loss": 0.5})
    store.close()

    again = RunStore(db)  # a new server process on the same data dir
    assert again.mark_interrupted() == 1
    assert again.get(a)["status"] == "completed" and again.get(a)["result"] == {"accuracy": None}
    assert again.get(b)["status"] == "interrupted"
    assert again.history(b)["steps"] == [[1, 2.3], [2, None], [3, 2.1]]
    assert again.history(a)["epochs"] == [{"epoch": 1, "loss": 0.5}]
    assert [r["id"] for r in again.list()] == [b, a]
    again.delete(b)
    assert again.get(b) is None and again.history(b)["steps"] == []
