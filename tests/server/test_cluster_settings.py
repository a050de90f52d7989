"""Cluster settings: with none set, one learner's server is what it always was (SQLite, the
local executor, no Ray and no PostgreSQL driver even imported); bad values name the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from nnplayground.server.settings import Settings

NO_CLUSTER = """
import sys
from nnplayground.server.app import create_app
from nnplayground.server.settings import Settings
app = create_app(Settings(data_dir=sys.argv[1]))
s = app.state.services
print(type(s.store).__name__, type(s.jobs.executor).__name__,
      sorted(m for m in ("ray", "psycopg") if m in sys.modules))
"""


def test_no_settings_means_sqlite_and_the_local_executor_without_ray(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-c", NO_CLUSTER, str(tmp_path)], check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    assert out == ["SqliteJobStore", "LocalExecutor", "[]"]


def test_cluster_settings_come_from_the_environment(tmp_path) -> None:
    s = Settings.from_env({"NNPG_EXECUTOR": "ray", "NNPG_RAY_ADDRESS": "10.0.0.5:6379",
                           "NNPG_CPUS_PER_JOB": "2", "NNPG_SHARED_DIR": str(tmp_path),
                           "NNPG_DATABASE_URL": "postgresql://u@db/nnpg"})
    assert (s.executor, s.ray_address, s.cpus_per_job) == ("ray", "10.0.0.5:6379", 2.0)
    assert s.store_location == "postgresql://u@db/nnpg"
    assert s.weights_dir == tmp_path / "run-weights" and s.models_dir == tmp_path / "models"
    plain = Settings.from_env({"NNPG_DATA_DIR": str(tmp_path / "d")})
    assert plain.store_location == str(tmp_path / "d" / "runs.sqlite3")
    assert plain.weights_dir == tmp_path / "d" / "run-weights"


@pytest.mark.parametrize(("name", "value"), [("EXECUTOR", "slurm"), ("CPUS_PER_JOB", "0"),
                                             ("DATABASE_URL", "mysql://x")])
def test_a_bad_cluster_setting_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=name.lower()):
        Settings.from_env({f"NNPG_{name}": value})
