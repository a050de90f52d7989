"""A class on one server: the teacher's limits (fair shares), shared runs, runs pinned to
the projector, the experiment handed out, each learner's saved models and place in the
queue, and the room table.  Kept in ``classroom.json`` in the data directory (written to a
temporary name and renamed)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...engine import Sequential
from ...jobs.config import RunConfig
from ...jobs.model import FINISHED, Status
from ...jobs.service import JobService
from ..auth import Principal
from ..errors import ApiError
from .models import ModelStore

log = logging.getLogger("nnplayground.server")
MAX_PINS = 6  # side by side on one projector


class Limits(BaseModel):
    """Per learner; None: no class limit (the server's own limits still hold)."""

    model_config = ConfigDict(extra="forbid")
    max_running: int | None = Field(1, ge=1, le=64)
    max_queued: int | None = Field(3, ge=0, le=1000)
    max_params: int | None = Field(None, ge=1)
    max_epochs: int | None = Field(None, ge=1)


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: str = Field(min_length=1, max_length=16_000, pattern=r"^[A-Za-z0-9_-]+$")
    note: str = Field("", max_length=2000)


class Classroom:
    def __init__(self, path: Path, jobs: JobService, models_dir: Path,
                 teachers: Any = set, max_model_bytes: int | None = None) -> None:
        self.path, self.jobs, self.models_dir = path, jobs, models_dir
        self.max_model_bytes = max_model_bytes  # the same cap as the shared model store
        self.teachers = teachers  # () -> names with the teacher role
        self._lock = threading.Lock()
        self._models: dict[str, ModelStore] = {}
        self._metrics: dict[int, dict[str, Any]] = {}  # finished runs' last epoch, cached
        saved: dict[str, Any] = {}
        try:
            saved = json.loads(path.read_text("utf-8")) if path.is_file() else {}
            self.limits = Limits.model_validate(saved.get("limits", {}))
        except (ValueError, AttributeError) as exc:  # a hand-edited file must not stop a class
            log.error("%s is unreadable (%s); starting with the default limits", path, exc)
            saved, self.limits = {}, Limits()
        self.shared: set[int] = set(saved.get("shared", []))
        self.pinned: list[int] = list(saved.get("pinned", []))
        self.experiment: dict[str, Any] | None = saved.get("experiment")

    # -- persistence ---------------------------------------------------------------------
    def _save(self) -> None:  # holds self._lock
        data = {"limits": self.limits.model_dump(), "shared": sorted(self.shared),
                "pinned": self.pinned, "experiment": self.experiment}
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        os.replace(tmp, self.path)

    def running_limit(self, owner: str | None) -> int | None:
        """The executor's per-owner cap: learners only (the teacher and localhost: none)."""
        if owner is None or owner in self.teachers():
            return None
        return self.limits.max_running

    def set_limits(self, limits: Limits) -> Limits:
        with self._lock:
            self.limits = limits
            self._save()
        self.jobs.executor.set_running_limit(self.running_limit)
        return limits

    def is_shared(self, job_id: int) -> bool:
        return job_id in self.shared

    def share(self, job_id: int, on: bool) -> None:
        with self._lock:
            (self.shared.add if on else self.shared.discard)(job_id)
            self._save()

    def pin(self, job_id: int, on: bool) -> list[int]:
        with self._lock:
            if on and job_id not in self.pinned:
                if len(self.pinned) >= MAX_PINS:
                    raise ApiError(409, "too_many_pins", f"at most {MAX_PINS} runs can be "
                                   "pinned; unpin one first", field="run",
                                   params={"limit": MAX_PINS})
                self.pinned.append(job_id)
            elif not on and job_id in self.pinned:
                self.pinned.remove(job_id)
            self._save()
            return list(self.pinned)

    def hand_out(self, experiment: Experiment | None, by: str | None) -> None:
        with self._lock:
            self.experiment = None if experiment is None else {**experiment.model_dump(),
                                                               "by": by}
            self._save()

    # -- fair shares ---------------------------------------------------------------------
    def check_create(self, who: Principal, config: RunConfig | None = None) -> None:
        """A learner's new job against the class limits (429 or 422 naming the limit)."""
        if who.sees_all or who.name in self.teachers():
            return
        limits = self.limits
        queued = sum(1 for j in list(self.jobs.live.values())
                     if j.owner == who.name and j.status == Status.QUEUED)
        if limits.max_queued is not None and queued >= limits.max_queued:
            raise ApiError(429, "queue_limit", f"you already have {queued} jobs waiting; the "
                           f"class limit is {limits.max_queued} (stop one or wait)",
                           field="max_queued",
                           params={"queued": queued, "limit": limits.max_queued})
        if config is not None and limits.max_epochs is not None \
                and config.epochs > limits.max_epochs:
            raise ApiError(422, "epochs_limit", f"epochs: at most {limits.max_epochs} in "
                           f"this class, got {config.epochs}", field="epochs",
                           params={"limit": limits.max_epochs, "epochs": config.epochs})
        if config is None or limits.max_params is None:
            return
        params = Sequential.validate_spec(config.spec, batch_size=config.batch_size,
                                          max_params=None)["total_params"]
        if params > limits.max_params:
            raise ApiError(422, "params_limit", f"spec: the model has {params:,} parameters; "
                           f"the class limit is {limits.max_params:,}", field="spec",
                           params={"params": params, "limit": limits.max_params})

    def queue_info(self, owner: str | None) -> list[dict[str, Any]]:
        """Each of ``owner``'s waiting jobs: its place in the whole queue and why it waits."""
        ex = self.jobs.executor
        order = ex.queue()
        live = self.jobs.live
        running = sum(1 for j in list(live.values())
                      if j.owner == owner and j.status in (Status.RUNNING, Status.PAUSED))
        cap = self.running_limit(owner)
        out = []
        for position, job_id in enumerate(order, 1):
            job = live.get(job_id)
            if job is None or job.owner != owner:
                continue
            ahead = [live[i].owner for i in order[:position - 1] if i in live]
            if cap is not None and running >= cap:
                reason = "own_limit"
            elif any(o != owner for o in ahead):
                reason = "others_turn"
            elif ahead:
                reason = "own_earlier"
            else:
                reason = "slots_busy"
            out.append({"id": job_id, "name": job.name, "kind": str(job.kind),
                        "position": position, "ahead": position - 1, "reason": reason,
                        "running": running, "limit": cap, "slots": ex.running()})
        return out

    # -- models --------------------------------------------------------------------------
    def models_for(self, who: Principal) -> ModelStore:
        """Each signed-in person's own folder (hashed name: any script is safe on disk)."""
        key = hashlib.sha256(who.name.encode()).hexdigest()[:16]
        with self._lock:
            if key not in self._models:
                self._models[key] = ModelStore(self.models_dir / f"u-{key}",
                                               **({"max_bytes": self.max_model_bytes}
                                                  if self.max_model_bytes else {}))
            return self._models[key]

    # -- the room ------------------------------------------------------------------------
    def _last_epoch(self, run: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.live.get(run["id"])
        epochs = getattr(job, "epochs", None)
        if epochs is not None and run["status"] not in FINISHED:
            return dict(epochs[-1]) if epochs else {}
        if run["id"] not in self._metrics:
            rows = self.jobs.store.history(run["id"])["epochs"]
            self._metrics[run["id"]] = rows[-1] if rows else {}
        return self._metrics[run["id"]]

    def room(self, limit: int = 200, owner: str | None = None) -> dict[str, Any]:
        """Everyone's runs (the teacher) or one learner's, with the table's columns."""
        rows = []
        for run in self.jobs.list_runs(limit, owner=owner):
            cfg, progress = run["config"], run.get("progress") or {}
            last = self._last_epoch(run)
            rows.append({
                "id": run["id"], "learner": run.get("owner"), "name": run["name"],
                "model": cfg.get("preset") or cfg.get("spec", {}).get("name") or
                " ".join(str(layer.get("type")) for layer in cfg.get("spec", {})
                         .get("layers", [])[:6]),
                "dataset": cfg.get("dataset"), "optimizer": cfg["optimizer"]["name"],
                "lr": cfg["optimizer"]["lr"], "epoch": progress.get("epoch"),
                "epochs": cfg.get("epochs"), "loss": last.get("loss"),
                "test_accuracy": last.get("val_accuracy"), "status": run["status"],
                "queue_position": run.get("queue_position"),
                "shared": run["id"] in self.shared, "pinned": run["id"] in self.pinned})
        return {"runs": rows, "pinned": list(self.pinned), "limits": self.limits.model_dump(),
                "experiment": self.experiment, "slots": self.jobs.settings.max_concurrent}
