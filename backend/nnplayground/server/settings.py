"""One Settings object for the whole server, read from ``NNPG_*`` environment variables.

pydantic-settings is not a dependency, so ``from_env`` maps variables to fields by hand.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

REPO_ROOT = Path(__file__).resolve().parents[3]


def web_dir(name: str) -> Path:
    """The page's files: package data when installed (setup.py maps frontend/ and static/
    into the package as nnplayground.frontend/.static), else the source checkout's copy."""
    packaged = importlib.resources.files("nnplayground") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return REPO_ROOT / name


class Settings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Field(default_factory=lambda: Path.home() / ".nnplayground")
    frontend_dir: Path = Field(default_factory=lambda: web_dir("frontend"))
    static_dir: Path = Field(default_factory=lambda: web_dir("static"))
    max_concurrent: int = Field(2, ge=1, le=64)
    # Host names (or host:port) the server answers to besides the local ones; any other
    # Host header is refused, which defeats DNS rebinding.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Origins (scheme://host:port) allowed to change state and open WebSockets besides
    # http://{localhost names}:{port}.
    allowed_origins: list[str] = Field(default_factory=list)
    max_params: int = 5_000_000
    max_memory_bytes: int = 2 * 1024**3
    max_train_size: int = 60_000
    max_epochs: int = 200
    max_layers: int = 200
    max_name_chars: int = 200
    max_upload_bytes: int = 50 * 1024**2
    # Decompressed size of one model file: 5M float64 parameters (max_params) and its spec.
    max_model_bytes: int = 64 * 1024**2
    max_request_bytes: int = 8 * 1024**2
    max_ws_message_bytes: int = 4096
    ws_queue_size: int = 256
    # Open WebSockets a person (or, on localhost, the one local user): a page follows one a
    # run or lab it shows, so 64 is many tabs' worth.
    max_sockets_per_user: int = Field(64, ge=1)
    snapshot_interval: float = 0.2  # seconds between weight snapshots for live predictions
    pause_grace: float = 120.0  # a run paused longer hands its worker slot to the queue
    lab_idle_seconds: float = Field(5.0, gt=0)  # lab jobs nobody reads this long are stopped
    max_waiting_labs: int = Field(8, ge=1)
    # A class (docs/classroom.md): "" on localhost; "code" (a class code printed at start)
    # or "users" (names and passwords in users_file) -- required on any other address.
    access: Literal["", "code", "users"] = ""
    class_code: str = ""  # empty: a random one is made at start and printed
    teacher_code: str = ""  # likewise, for the teacher's sign-in in "code" mode
    users_file: Path | None = None
    login_failures: int = Field(5, ge=1)  # wrong sign-ins per address per minute
    # A class on many machines (README "A class on a cluster"): none of these set means one
    # process, SQLite and the local executor, and no Ray process is started.
    executor: Literal["local", "ray"] = "local"
    ray_address: str = ""  # empty: a Ray of this process's own (a laptop)
    cpus_per_job: float = Field(1.0, gt=0, le=64)
    database_url: str = Field("", pattern=r"^(postgres(ql)?://.*)?$")
    shared_dir: Path | None = None  # saved models and final weights, read by every server

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(f"NNPG_{name.upper()}")
            if raw is None:
                continue
            if name in ("allowed_origins", "allowed_hosts"):
                values[name] = [o.strip() for o in raw.split(",") if o.strip()]
            else:
                values[name] = raw  # pydantic converts and names the bad variable on error
        values.update(overrides)
        return cls(**values)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "runs.sqlite3"

    @property
    def store_location(self) -> str:
        return self.database_url or str(self.db_path)

    @property
    def models_dir(self) -> Path:
        return (self.shared_dir or self.data_dir) / "models"

    @property
    def weights_dir(self) -> Path:
        return (self.shared_dir or self.data_dir) / "run-weights"
