"""Who is asking: access modes, sign-in sessions, the sign-in throttle, and the one access
policy every HTTP route and WebSocket goes through (docs/classroom.md).

On localhost with no settings there is no sign-in at all: every request is the ``LOCAL``
principal, who may do everything (one learner at one desk, as before).  Bound to any other
address the server needs an access mode:

* ``code``: a class code (learners) and a teacher code, printed at start.  A learner opens
  the printed link (the code is in it once), types a name, and gets a session cookie.
* ``users``: a file of ``name:password[:teacher]`` lines.

Sessions are random tokens in an HttpOnly, SameSite=Lax cookie, kept in this process's
memory (a restart signs everyone out).  Secrets are compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .jsonenc import SafeJSONResponse
from .settings import Settings

COOKIE = "nnpg_session"
SESSION_SECONDS = 12 * 3600  # one school day, then sign in again
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PUBLIC_PREFIXES = ("/app/", "/static/", "/vendor/", "/api/auth/")
PUBLIC_PATHS = frozenset({"/", "/api/health", "/api/meta", "/favicon.ico"})
# /api/runs/7, /api/runs/7/predict, /api/labs/jobs/7/stop, /ws/runs/7, /ws/jobs/7 ...
# The id segment is taken whole: "+7" or "٧" would reach the route as 7 (int parsing is
# lenient), so anything but ASCII digits there is refused, never waved through.
JOB_PATH = re.compile(r"^/(?:api/runs|api/labs/jobs|ws/runs|ws/labs|ws/jobs)/([^/]+)"
                      r"(?:/(.+?))?/?$")
NEW_JOB_PATHS = frozenset({"/api/runs/remote"})  # creating, not naming a job
JOB_ID = re.compile(r"^[0-9]{1,19}$")
# What reading a job means: everything else on a job path controls it.
READS = {(None, "GET"), ("points", "GET"), ("mistakes", "GET"), ("predict", "POST"),
         ("evaluate", "POST")}


class AccessError(RuntimeError):
    """The server cannot start with these access settings."""


@dataclass(frozen=True)
class Principal:
    name: str | None
    role: str  # "local" (no sign-in), "learner" or "teacher"

    @property
    def sees_all(self) -> bool:
        return self.role in ("local", "teacher")

    @property
    def owner(self) -> str | None:
        """Whose jobs a listing shows: None means everyone's."""
        return None if self.sees_all else self.name


LOCAL = Principal(None, "local")


def check_name(name: str) -> str:
    """A learner's name: 1-32 printable characters (Japanese names welcome)."""
    name = unicodedata.normalize("NFC", name.strip())
    if not 1 <= len(name) <= 32 or any(unicodedata.category(c)[0] == "C" for c in name) \
            or ":" in name or name.startswith("system"):
        raise ValueError("name must be 1-32 printable characters without ':'")
    return name


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _password_ok(stored: str, given: str) -> bool:
    """``pbkdf2_sha256$iterations$salt$hexdigest`` or, for a throwaway class file, plain."""
    if stored.startswith("pbkdf2_sha256$"):
        _, iterations, salt, digest = stored.split("$", 3)
        mine = hashlib.pbkdf2_hmac("sha256", given.encode(), salt.encode(), int(iterations))
        return hmac.compare_digest(mine.hex().encode(), digest.encode())
    return _same(stored, given)


def read_users(path: Path) -> dict[str, tuple[str, str]]:
    users: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) not in (2, 3) or not parts[1] or (len(parts) == 3 and parts[2]
                                                        not in ("teacher", "learner")):
            raise AccessError(f"{path}:{number}: write name:password or "
                              "name:password:teacher")
        try:
            name = check_name(parts[0])
        except ValueError as exc:
            raise AccessError(f"{path}:{number}: {exc}") from None
        users[name] = (parts[1], parts[2] if len(parts) == 3 else "learner")
    if not users:
        raise AccessError(f"{path} lists no users")
    return users


class Throttle:
    """Wrong sign-ins per client address: each one is answered later than the last, and
    past ``limit`` in ``window`` seconds the address is refused until the oldest ages out."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        fails = self._fails.setdefault(key, deque())
        while fails and now - fails[0] > self.window:
            fails.popleft()
        return fails

    def retry_after(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            fails = self._recent(key, now)
            return self.window - (now - fails[0]) if len(fails) >= self.limit else 0.0

    def fail(self, key: str) -> float:
        """Record a wrong try; return how long to hold the answer back (0.1 s doubling,
        at most 2 s: a person barely notices, a guessing script slows to a crawl)."""
        now = time.monotonic()
        with self._lock:
            fails = self._recent(key, now)
            fails.append(now)
            return min(0.1 * 2 ** (len(fails) - 1), 2.0)

    def clear(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


class Access:
    """The access mode of this server, its accounts and its live sessions."""

    def __init__(self, settings: Settings) -> None:
        self.mode = settings.access
        self.class_code = settings.class_code or secrets.token_urlsafe(9)
        self.teacher_code = settings.teacher_code or secrets.token_urlsafe(12)
        self.users: dict[str, tuple[str, str]] = {}
        if self.mode == "users":
            if settings.users_file is None or not settings.users_file.is_file():
                raise AccessError(f"access 'users' needs users_file (NNPG_USERS_FILE); "
                                  f"{settings.users_file} is not a file")
            self.users = read_users(settings.users_file)
        self.throttle = Throttle(settings.login_failures)
        self._sessions: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def check(self, name: str, secret: str) -> Principal | None:
        """The principal these credentials make, or None (every path compares once)."""
        if self.mode == "code":
            teacher, learner = _same(secret, self.teacher_code), _same(secret, self.class_code)
            return Principal(name, "teacher") if teacher else \
                Principal(name, "learner") if learner else None
        stored, role = self.users.get(name, ("\0" * 16, "learner"))  # same work either way
        ok = _password_ok(stored, secret)
        return Principal(name, role) if ok and name in self.users else None

    def teachers(self) -> set[str]:
        with self._lock:
            live = {p.name for p, _ in self._sessions.values() if p.role == "teacher"}
        return live | {n for n, (_, role) in self.users.items() if role == "teacher"}

    def open_session(self, principal: Principal) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = (principal, time.time() + SESSION_SECONDS)
        return token

    def close_session(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def principal(self, token: str | None) -> Principal | None:
        if not token:
            return None
        with self._lock:
            hit = self._sessions.get(token)
            if hit is None:
                return None
            if hit[1] < time.time():
                del self._sessions[token]
                return None
            return hit[0]


def check_startup(settings: Settings) -> None:
    if settings.host not in LOCAL_HOSTS and not settings.access:
        raise AccessError(
            f"the server is bound to {settings.host}, where others can reach it: choose an "
            "access mode -- NNPG_ACCESS=code (a class code printed at start) or "
            "NNPG_ACCESS=users with NNPG_USERS_FILE (names and passwords); see "
            "docs/classroom.md")


def cookie_token(scope: dict[str, Any]) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == COOKIE:
                    return v
    return None


def principal_of(conn: Any) -> Principal:
    """The principal the middleware put on a request or WebSocket (LOCAL without one)."""
    return getattr(conn.state, "principal", LOCAL)


def may(principal: Principal, owner: str | None, shared: bool, reading: bool) -> bool:
    if principal.sees_all or (owner is not None and owner == principal.name):
        return True
    return shared and reading


class AccessMiddleware:
    """Puts the principal on every request; refuses the unsigned (401) and other learners'
    jobs (403) before any route runs, for HTTP and WebSockets alike."""

    def __init__(self, app: Any, services: Any) -> None:
        self.app, self.services = app, services

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        access: Access = self.services.access
        principal = access.principal(cookie_token(scope))
        path = scope["path"]
        if principal is None and not (path in PUBLIC_PATHS
                                      or path.startswith(PUBLIC_PREFIXES)):
            await self._refuse(scope, receive, send, 401, "signed_out",
                               "sign in first: open the class link or enter the class code")
            return
        if principal is not None:
            scope.setdefault("state", {})["principal"] = principal
            match = None if path in NEW_JOB_PATHS else JOB_PATH.match(path)
            if match and not principal.sees_all and (
                    not JOB_ID.match(match[1])
                    or not self._allowed(principal, int(match[1]), match[2], scope)):
                await self._refuse(scope, receive, send, 403, "forbidden",
                                   f"job {match[1]} belongs to another learner")
                return
        await self.app(scope, receive, send)

    def _allowed(self, principal: Principal, job_id: int, action: str | None,
                 scope: dict[str, Any]) -> bool:
        if principal.sees_all:
            return True
        jobs = self.services.jobs
        job = jobs.live.get(job_id)
        if job is not None:
            owner = job.owner
        else:
            row = self.services.store.get(job_id)
            if row is None:
                return True  # the route answers 404
            owner = row["owner"]
        reading = scope["type"] == "websocket" or (action, scope["method"]) in READS
        return may(principal, owner, self.services.classroom.is_shared(job_id), reading)

    @staticmethod
    async def _refuse(scope: dict[str, Any], receive: Any, send: Any, status: int,
                      code: str, message: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": code})
            return
        body = {"error": {"code": code, "message": message, "field": None, "index": None}}
        await SafeJSONResponse(body, status)(scope, receive, send)
