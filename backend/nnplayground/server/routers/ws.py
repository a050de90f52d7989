"""WebSocket streams (docs/protocol.md): /ws/runs/{id} follows one run, /ws/runs follows the
status of all runs.  Each connection has a sender task draining its bounded queue and a
receiver loop for client messages ({"type": "rate"} and {"type": "filters"})."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from ... import __version__
from ..errors import ApiError
from ..jsonenc import dumps
from ..services import probes
from ..services.hub import ALL_RUNS, PROTOCOL_VERSION, Client

router = APIRouter(tags=["websockets"])
POLICY_VIOLATION = 1008
NOT_FOUND = 4404


def origin_allowed(ws: WebSocket, allowed: list[str]) -> bool:
    """No Origin (not a browser) or the page's own host:port, or one listed in settings."""
    origin = ws.headers.get("origin")
    if origin is None or "*" in allowed or origin in allowed:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


async def _send(ws: WebSocket, client: Client, type_: str, run: int | None, data: Any) -> None:
    await ws.send_text(client.envelope(type_, run, dumps(data)))


async def _pump(ws: WebSocket, client: Client) -> None:
    while True:
        text = await client.next()
        if text is None:  # the client fell too far behind even after dropping
            await ws.close(POLICY_VIOLATION, "client too slow")
            return
        await ws.send_text(text)


async def _serve(ws: WebSocket, client: Client, on_message: Any) -> None:
    services = ws.app.state.services
    pump = asyncio.create_task(_pump(ws, client))
    try:
        while True:
            text = await ws.receive_text()
            if len(text) > services.settings.max_ws_message_bytes:
                client.send_now("error", None, {"code": "too_large",
                                                "message": "client message is too long"})
                continue
            try:
                msg = json.loads(text)
                if not isinstance(msg, dict):
                    raise ValueError("a message must be a JSON object")
                await on_message(msg)
            except (ValueError, TypeError, ApiError) as exc:
                client.send_now("error", None, {"code": "bad_message",
                                                "message": getattr(exc, "message", str(exc))})
    except WebSocketDisconnect:
        pass
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


def _set_rate(client: Client, msg: dict) -> bool:
    if msg.get("type") != "rate":
        return False
    value = msg.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"rate value must be a positive number, got {value!r}")
    client.set_rate(value)
    return True


async def accept_checked(ws: WebSocket) -> bool:
    await ws.accept()
    if not origin_allowed(ws, ws.app.state.services.settings.allowed_origins):
        await ws.close(POLICY_VIOLATION, "origin not allowed")
        return False
    return True


@router.websocket("/ws/runs/{run_id}")
async def run_stream(ws: WebSocket, run_id: int, rate: float = 10.0) -> None:
    if not await accept_checked(ws):
        return
    services = ws.app.state.services
    manager = services.manager
    client = Client(max_queue=services.settings.ws_queue_size)
    client.set_rate(rate)
    run = manager.runs.get(run_id)
    services.hub.subscribe(run_id, client)  # before the state: nothing falls in between
    try:
        await _run_session(ws, client, manager, run, run_id)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left while we were still sending the first messages
    finally:
        services.hub.unsubscribe(run_id, client)
        if run is not None:
            _release(run, client.filters_layer)


async def _run_session(ws: WebSocket, client: Client, manager: Any, run: Any,
                       run_id: int) -> None:
    try:
        state = await run_in_threadpool(manager.get, run_id)
    except ApiError as exc:
        await _send(ws, client, "error", run_id, {"code": exc.code, "message": exc.message})
        await ws.close(NOT_FOUND, exc.message[:120])
        return
    await _send(ws, client, "hello", run_id, {"protocol": PROTOCOL_VERSION,
                                              "version": __version__, "rate": client.rate})
    # A long run's full history is large: encode it off the event loop.
    state_json = await run_in_threadpool(dumps, state)
    await ws.send_text(client.envelope("state", run_id, state_json))

    async def on_message(msg: dict) -> None:
        if _set_rate(client, msg):
            return
        if msg.get("type") != "filters":
            raise ValueError(f"unknown message type {msg.get('type')!r}; use 'rate' or 'filters'")
        layer = msg.get("layer")
        data = await run_in_threadpool(manager.infer, run_id, lambda m: _filters(m, layer))
        if run is not None:
            _release(run, client.filters_layer)
            run.filter_layers[layer] += 1  # the training thread now publishes this layer too
        client.filters_layer = layer
        client.send_now("filters", run_id,
                        {"step": run.progress.get("step") if run else None, **data})

    await _serve(ws, client, on_message)


def _release(run: Any, layer: int | None) -> None:
    if layer is not None and run.filter_layers[layer] > 0:
        run.filter_layers[layer] -= 1
        if not run.filter_layers[layer]:
            del run.filter_layers[layer]


def _filters(model: Any, layer: Any) -> dict[str, Any]:
    convs = probes.conv_layers(model)
    if isinstance(layer, bool) or layer not in convs:
        raise ValueError(f"layer {layer!r} is not a conv2d layer; conv layers are {convs}")
    return probes.filters(model, layer)


@router.websocket("/ws/runs")
async def all_runs(ws: WebSocket) -> None:
    if not await accept_checked(ws):
        return
    services = ws.app.state.services
    client = Client(max_queue=services.settings.ws_queue_size)
    services.hub.subscribe(ALL_RUNS, client)

    async def on_message(msg: dict) -> None:
        if not _set_rate(client, msg):
            raise ValueError(f"unknown message type {msg.get('type')!r}; use 'rate'")

    try:
        runs = await run_in_threadpool(services.manager.list)
        await _send(ws, client, "hello", None, {"protocol": PROTOCOL_VERSION,
                                                "version": __version__})
        await _send(ws, client, "state", None, {"runs": runs})
        await _serve(ws, client, on_message)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        services.hub.unsubscribe(ALL_RUNS, client)
