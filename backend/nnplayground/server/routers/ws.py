"""WebSocket streams (docs/protocol.md): one protocol for every job.  /ws/runs/{id} follows a
run, /ws/labs/{id} a lab job, /ws/jobs/{id} any job, /ws/runs the status of all runs.

Each connection subscribes before it reads the job's state (nothing falls in between), gets
hello + state, then the job's events as the hub pushes them.  A sender task drains the
client's bounded queue; the receive loop takes {"type": "rate"} and {"type": "filters"}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from ... import __version__
from ...jobs import probes
from ...jobs.errors import JobError
from ...jobs.hub import ALL_RUNS, PROTOCOL_VERSION, Client
from ...jobs.model import FINISHED, Kind
from ...jobs.recorder import owner_topic
from ...jobs.store import MAX_ID
from .. import security
from ..auth import principal_of
from ..jsonenc import dumps

router = APIRouter(tags=["websockets"])
POLICY_VIOLATION = 1008
NOT_FOUND = 4404


def ws_origin_allowed(ws: WebSocket) -> bool:
    """The HTTP rule (security.origin_allowed): no Origin (not a browser), or an origin equal
    in scheme, host and port to an allowed one -- never merely equal to the Host header,
    which a DNS-rebinding page controls."""
    server = ws.scope.get("server") or (None, None)
    return security.origin_allowed(ws.headers.get("origin"), ws.app.state.services.settings,
                                   server[1], ws.headers.get("host"))


async def accept_checked(ws: WebSocket) -> bool:
    await ws.accept()
    if not ws_origin_allowed(ws):
        await ws.close(POLICY_VIOLATION, "origin not allowed")
        return False
    return True


@contextlib.asynccontextmanager
async def admitted(ws: WebSocket) -> AsyncIterator[bool]:
    """Accepts ws if its origin is allowed and its person has fewer than
    max_sockets_per_user open (otherwise an error naming the limit, then 1008); yields
    whether to serve it, and counts it as open until the block ends."""
    if not await accept_checked(ws):
        yield False
        return
    services = ws.app.state.services
    who = principal_of(ws)
    key = f"{who.role}:{who.name or ''}"
    limit = services.settings.max_sockets_per_user
    if not services.sockets.take(key, limit):
        await _send(ws, Client(max_queue=1), "error", None, _error(
            "too_many_sockets", f"at most {limit} WebSockets open at once; close a tab "
            "or a stream", limit=limit))
        await ws.close(POLICY_VIOLATION, "too many sockets")
        yield False
        return
    try:
        yield True
    finally:
        services.sockets.give(key)


async def _send(ws: WebSocket, client: Client, type_: str, job: Any, data: Any) -> None:
    await ws.send_text(client.envelope(type_, job, dumps(data)))


def _error(code: str, message: str, field: str | None = None, **params: Any) -> dict:
    return {"code": code, "message": message, "field": field, "params": params}


def _finished(client: Client) -> bool:
    if client.last_type != "status" or client.last_data is None:
        return False
    return json.loads(client.last_data).get("status") in FINISHED


async def _pump(ws: WebSocket, client: Client, close_at_end: bool) -> None:
    while True:
        text = await client.next()
        if text is None:  # the client fell too far behind even after dropping
            await ws.close(POLICY_VIOLATION, "client too slow")
            return
        await ws.send_text(text)
        if close_at_end and _finished(client):
            await ws.close()
            return


async def _receive(ws: WebSocket, client: Client, on_message: Any) -> None:
    limit = ws.app.state.services.settings.max_ws_message_bytes
    while True:
        frame = await ws.receive()
        if frame["type"] == "websocket.disconnect":
            return
        text = frame.get("text")
        if text is None:
            client.send_now("error", None, _error("bad_message", "send JSON text frames, not "
                                                  "binary ones"))
            continue
        if len(text) > limit:
            client.send_now("error", None, _error("too_large", "client message is too long",
                                                  limit=limit))
            continue
        try:
            msg = json.loads(text)
            if not isinstance(msg, dict):
                raise ValueError("a message must be a JSON object")
            if msg.get("type") == "rate":
                client.set_rate(msg.get("value"))
            else:
                await on_message(msg)
        except JobError as exc:
            client.send_now("error", None, _error(exc.code, exc.message, exc.field,
                                                  **exc.params))
        except (ValueError, TypeError) as exc:
            client.send_now("error", None, _error("bad_message", str(exc)))


async def _serve(ws: WebSocket, client: Client, on_message: Any, close_at_end: bool) -> None:
    pump = asyncio.create_task(_pump(ws, client, close_at_end))
    receive = asyncio.create_task(_receive(ws, client, on_message))
    try:
        await asyncio.wait({pump, receive}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, receive):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect,
                                     RuntimeError, Exception):
                await task


async def job_stream(ws: WebSocket, job_id: int, kind: Kind | None, rate: Any) -> None:
    async with admitted(ws) as serve:
        if serve:
            await _job_stream(ws, job_id, kind, rate)


async def _job_stream(ws: WebSocket, job_id: int, kind: Kind | None, rate: Any) -> None:
    services = ws.app.state.services
    jobs = services.jobs
    client = Client(max_queue=services.settings.ws_queue_size)
    try:
        client.set_rate(10.0 if rate is None else rate)
    except ValueError as exc:
        await _send(ws, client, "error", job_id, _error("invalid", str(exc), "rate"))
        await ws.close(POLICY_VIOLATION, "bad rate")
        return
    if not 1 <= job_id <= MAX_ID:
        await _send(ws, client, "error", job_id, _error("not_found", f"no job {job_id}"))
        await ws.close(NOT_FOUND, "not found")
        return
    services.hub.subscribe(job_id, client)  # before the state: nothing falls in between
    try:
        await _session(ws, client, jobs, job_id, kind)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left while we were still sending the first messages
    finally:
        services.hub.unsubscribe(job_id, client)
        if client.filters_layer is not None:
            jobs.unwatch_filters(job_id, client.filters_layer)


async def _session(ws: WebSocket, client: Client, jobs: Any, job_id: int,
                   kind: Kind | None) -> None:
    try:
        found, state = await run_in_threadpool(jobs.state, job_id)
        if kind is not None and found != kind and {found, kind} != {Kind.TRAIN, Kind.REMOTE}:
            raise JobError(f"job {job_id} is a {found} job, not a {kind} job",
                           code="not_found", id=job_id)
    except JobError as exc:
        await _send(ws, client, "error", job_id, _error(exc.code, exc.message, exc.field,
                                                        **exc.params))
        await ws.close(NOT_FOUND, exc.message[:120])
        return
    await _send(ws, client, "hello", job_id, {"protocol": PROTOCOL_VERSION, "kind": str(found),
                                              "version": __version__, "rate": client.rate})
    # A long run's full history is large: encode it off the event loop.
    client.skip_through = state.get("seq") or 0  # already in the state: not sent twice
    state_json = await run_in_threadpool(dumps, state)
    await ws.send_text(client.envelope("state", job_id, state_json))
    is_lab = found == Kind.LAB
    if is_lab and state["status"] in FINISHED:
        await ws.close()
        return

    async def on_message(msg: dict) -> None:
        if msg.get("type") != "filters" or is_lab:
            raise ValueError(f"unknown message type {msg.get('type')!r}; use 'rate'"
                             + ("" if is_lab else " or 'filters'"))
        layer = msg.get("layer")
        data = await run_in_threadpool(jobs.infer, job_id, lambda m: _filters(m, layer))
        if client.filters_layer is not None:
            jobs.unwatch_filters(job_id, client.filters_layer)
        jobs.watch_filters(job_id, layer)  # the training thread now publishes it too
        client.filters_layer = layer
        step = (state.get("progress") or {}).get("step")
        client.send_now("filters", job_id, {"step": step, **data})

    await _serve(ws, client, on_message, close_at_end=is_lab)


def _filters(model: Any, layer: Any) -> dict[str, Any]:
    convs = probes.conv_layers(model)
    if isinstance(layer, bool) or layer not in convs:
        raise ValueError(f"layer {layer!r} is not a conv2d layer; conv layers are {convs}")
    return probes.filters(model, layer)


@router.websocket("/ws/runs/{run_id}")
async def run_stream(ws: WebSocket, run_id: int, rate: float | None = None) -> None:
    await job_stream(ws, run_id, Kind.TRAIN, rate)


@router.websocket("/ws/labs/{job_id}")
async def lab_stream(ws: WebSocket, job_id: int) -> None:
    await job_stream(ws, job_id, Kind.LAB, None)


@router.websocket("/ws/jobs/{job_id}")
async def any_job_stream(ws: WebSocket, job_id: int, rate: float | None = None) -> None:
    await job_stream(ws, job_id, None, rate)


@router.websocket("/ws/runs")
async def all_runs(ws: WebSocket) -> None:
    async with admitted(ws) as serve:
        if serve:
            await _all_runs(ws)


async def _all_runs(ws: WebSocket) -> None:
    services = ws.app.state.services
    client = Client(max_queue=services.settings.ws_queue_size)
    owner = principal_of(ws).owner  # a learner follows their own runs only
    topic = ALL_RUNS if owner is None else owner_topic(owner)
    services.hub.subscribe(topic, client)

    async def on_message(msg: dict) -> None:
        raise ValueError(f"unknown message type {msg.get('type')!r}; use 'rate'")

    try:
        runs = await run_in_threadpool(services.jobs.list_runs, 100, 0, owner)
        await _send(ws, client, "hello", None, {"protocol": PROTOCOL_VERSION,
                                                "version": __version__})
        await _send(ws, client, "state", None, {"runs": runs})
        await _serve(ws, client, on_message, close_at_end=False)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        services.hub.unsubscribe(topic, client)
