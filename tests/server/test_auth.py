"""Access modes in process: localhost needs nothing; another address needs a mode; the
users file (plain and pbkdf2 passwords, roles) and its errors; the sign-in throttle."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nnplayground.server.app import create_app
from nnplayground.server.auth import AccessError, Throttle
from nnplayground.server.settings import Settings


def hashed(password: str, salt: str = "0011aabb", rounds: int = 1000) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${digest}"


def test_localhost_has_no_sign_in(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path)), base_url="http://localhost") as client:
        assert client.get("/api/auth/me").json() == {"mode": "", "name": None, "role": "local"}
        assert client.get("/api/runs").status_code == 200
        assert client.get("/api/classroom/room").status_code == 200  # the desk's own room


def test_another_address_needs_an_access_mode(tmp_path: Path) -> None:
    with pytest.raises(AccessError, match="NNPG_ACCESS=code"):
        create_app(Settings(host="0.0.0.0", data_dir=tmp_path))
    assert not (tmp_path / "runs.sqlite3").exists()  # refused before anything was opened


def test_a_users_file_signs_in_learners_and_the_teacher(tmp_path: Path) -> None:
    users = tmp_path / "class.txt"
    users.write_text(f"# the class\nsato:himawari\nさくら:{hashed('asagao')}\n"
                     "tanaka:kyoushitsu:teacher\n", "utf-8")
    app = create_app(Settings(host="0.0.0.0", data_dir=tmp_path / "d", access="users",
                              users_file=users))
    with TestClient(app, base_url="http://localhost") as client:
        def login(name: str, password: str) -> int:
            return client.post("/api/auth/login",
                               json={"name": name, "password": password}).status_code

        assert login("sato", "himawari") == 200
        assert client.get("/api/auth/me").json()["role"] == "learner"
        assert client.get("/api/classroom/audit").status_code == 403
        assert login("さくら", "asagao") == 200
        assert login("tanaka", "kyoushitsu") == 200
        assert client.get("/api/auth/me").json() == {"mode": "users", "name": "tanaka",
                                                     "role": "teacher"}
        assert client.get("/api/classroom/audit").status_code == 200
        assert login("sato", "wrong") == 401
        assert login("nobody", "himawari") == 401


@pytest.mark.parametrize("text", ["sato\n", "sato:\n", "sato:pw:admin\n", "# empty\n"])
def test_a_bad_users_file_stops_the_start(tmp_path: Path, text: str) -> None:
    users = tmp_path / "class.txt"
    users.write_text(text, "utf-8")
    with pytest.raises(AccessError, match="class.txt"):
        create_app(Settings(host="0.0.0.0", data_dir=tmp_path / "d", access="users",
                            users_file=users))


def test_the_throttle_slows_then_refuses_then_forgets() -> None:
    throttle = Throttle(limit=3, window=60)
    delays = [throttle.fail("1.2.3.4") for _ in range(3)]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert throttle.retry_after("1.2.3.4") > 59
    assert throttle.retry_after("5.6.7.8") == 0  # per address
    throttle.clear("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 0


def test_a_broken_classroom_file_falls_back_to_the_defaults(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "classroom.json").write_text('{"limits": {"max_running": "many"}}')
    with TestClient(create_app(Settings(data_dir=tmp_path)), base_url="http://localhost") as client:
        assert client.get("/api/classroom").json()["limits"]["max_running"] == 1
