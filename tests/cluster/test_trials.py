"""A hyperparameter search on the cluster: each trial is a Ray task of its own, they land
on both nodes, and the result is the one the same search gives run in turn here."""

from __future__ import annotations

import httpx
from websockets.sync.client import connect

from nnplayground.labs import hyperparameter_search
from tests.cluster.conftest import Cluster
from tests.server.routers.test_ws import recv

PARAMS = {"trials": 4, "epochs": 2, "train_size": 200, "batch_size": 50, "seed": 3}


def test_search_trials_are_spread_over_both_nodes(cluster: Cluster) -> None:
    r = httpx.post(cluster.a.url + "/api/labs/jobs", timeout=30,
                   json={"lab": "hyperparameter_search", "params": PARAMS})
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    placements, end = [], None
    with connect(f"{cluster.b.ws_url}/ws/labs/{jid}") as ws:  # watched through server B
        while end is None:
            msg = recv(ws, timeout=120)
            if msg["type"] == "placement":
                placements.append(msg["data"])
            elif msg["type"] == "status" and msg["data"]["status"] not in (
                    "queued", "running"):
                end = msg["data"]
    assert end["status"] == "completed", end
    trials = sorted(p["piece"] for p in placements if p["piece"] is not None)
    assert trials == [0, 1, 2, 3]
    nodes = {p["node"] for p in placements if p["piece"] is not None}
    assert len(nodes) == 2, placements  # both Ray nodes trained trials

    job = httpx.get(f"{cluster.a.url}/api/labs/jobs/{jid}").json()
    here = hyperparameter_search.run(**hyperparameter_search.Params(**PARAMS).model_dump())
    assert [t["val_acc"] for t in job["result"]["trials"]] == \
        [t["val_acc"] for t in here["trials"]]
