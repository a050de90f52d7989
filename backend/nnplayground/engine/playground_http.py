"""The Playground callback's HTTP client: stdlib urllib, bounded timeouts, no proxy for
this machine, and the server's answers sorted into "no answer" and "refused"."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit


class Unreachable(Exception):  # noqa: N818 - a reason, not a failure of the program
    """No answer: connection refused, timeout, or a 5xx."""


class Refused(Exception):  # noqa: N818
    """The server answered with a 4xx; ``message`` is its error text."""


class _Http:
    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"url must look like http://127.0.0.1:8000, got {url!r}")
        self.base = url.rstrip("/")
        self.timeout = timeout
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        # A proxy from the environment must not swallow requests meant for this machine.
        handlers = [urllib.request.ProxyHandler({})] if local else []
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, path: str, body: bytes, content_type: str,
                timeout: float | None = None) -> dict:
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers={"Content-Type": content_type})
        try:
            with self.opener.open(req, timeout=timeout or self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            if exc.code >= 500:
                raise Unreachable(f"HTTP {exc.code}") from None
            try:
                message = json.loads(text)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = text[:200] or f"HTTP {exc.code}"
            raise Refused(message) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unreachable(str(reason) or type(exc).__name__) from None
        return json.loads(raw) if raw else {}

    def post(self, path: str, payload: dict, timeout: float | None = None) -> dict:
        return self.request("POST", path, json.dumps(payload).encode(), "application/json",
                            timeout)
