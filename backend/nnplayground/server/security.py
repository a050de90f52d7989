"""Who may talk to the server: the Host allow-list (DNS rebinding) and the Origin allow-list
(cross-site requests and WebSockets).

A page on another origin can send a "simple" request (form content types or none, no
preflight) and read nothing back, but the request itself still runs; a rebinding page
reaches the server under its own host name.  So every request's Host must be a local name
or one listed in ``NNPG_ALLOWED_HOSTS``, and a state-changing request or a WebSocket from a
browser must come from an allowed origin, compared as (scheme, host, port).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .settings import Settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
Origin = tuple[str, str, int]


def split_host(value: str) -> tuple[str, int | None]:
    """``"Example.com:8000"`` -> ("example.com", 8000); ``"[::1]:80"`` -> ("::1", 80).
    A malformed value gives ("", None), which no allow-list contains."""
    value = value.strip().lower()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return "", None
        port_text = rest[1:]
    else:
        host, _, port_text = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            return "", None
        return host, int(port_text)
    return host, None


def host_allowed(host_header: str | None, settings: Settings) -> bool:
    """A request's Host header names this server: a local name (any port) or an entry of
    ``allowed_hosts`` ("name" for any port, "name:port" for that port only)."""
    if not host_header:
        return False
    host, port = split_host(host_header)
    if not host:
        return False
    if host in LOCAL_HOSTS or _is_ip(host):
        return True  # a rebinding page's Host is its own domain name, never an IP literal
    for entry in settings.allowed_hosts:
        want, want_port = split_host(entry)
        if want == host and (want_port is None or want_port == port):
            return True
    return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_origin(origin: str) -> Origin | None:
    """``"http://LocalHost:8000"`` -> ("http", "localhost", 8000); None when malformed
    (``"null"``, no scheme, a path, credentials)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def allowed_origins(settings: Settings, server_port: int | None = None) -> set[Origin]:
    """http://{local name}:{port} for the configured port and the port actually listened
    on, plus every entry of ``allowed_origins``."""
    ports = {settings.port} | ({server_port} if server_port else set())
    out = {("http", host, port) for host in LOCAL_HOSTS for port in ports}
    out |= {o for o in map(parse_origin, settings.allowed_origins) if o is not None}
    return out


def origin_allowed(origin: str | None, settings: Settings, server_port: int | None = None,
                   host: str | None = None) -> bool:
    """True when a request (HTTP or WebSocket handshake) may act: no Origin header (not a
    browser: curl, scripts, tests) or an origin equal in scheme, host and port to one of
    ``allowed_origins(settings, server_port)``, or to ``http://{host}`` when the request's
    Host header ``host`` passes ``host_allowed`` (the page this server served itself, e.g.
    a classroom reaching it by its LAN address).  ``"*"`` in the setting allows any."""
    if origin is None:
        return True
    if "*" in settings.allowed_origins:
        return True
    parsed = parse_origin(origin)
    if parsed is None:
        return False
    if host is not None and host_allowed(host, settings):
        name, port = split_host(host)
        if parsed == ("http", name, port or DEFAULT_PORTS["http"]):
            return True
    return parsed in allowed_origins(settings, server_port)
