"""Broadcast hub: step aggregation per client rate, bounded queues that drop only
throttleable messages, thread-safe publishing into the event loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from nnplayground.jobs.hub import Client, Hub, Message


def _step(i: int, loss: float) -> Message:
    return Message("step", 1, data={"loss_sum": loss, "count": 1, "step": i, "last_loss": loss})


def test_steps_are_aggregated_with_the_interval_mean() -> None:
    async def main() -> list[dict]:
        c = Client(rate=1000.0)
        c.set_rate(60)  # capped at 60/s
        c.offer(_step(1, 1.0))  # first one goes out at once
        for i, loss in enumerate([2.0, 4.0, 6.0], start=2):
            c.offer(_step(i, loss))  # within 1/60 s: accumulated
        c.offer(Message("epoch", 1, data_json='{"epoch":1}'))  # flushes the pending steps first
        return [json.loads(await c.next()) for _ in range(3)]

    first, mean, epoch = asyncio.run(main())
    assert first["data"]["loss"] == 1.0 and first["data"]["count"] == 1
    assert mean["data"] == {"loss": 4.0, "count": 3, "step": 4, "last_loss": 6.0}
    assert epoch["type"] == "epoch" and [first["seq"], mean["seq"], epoch["seq"]] == [1, 2, 3]
    assert first["v"] == 2 and first["run"] == 1


def test_full_queue_drops_only_throttleable() -> None:
    async def main() -> Client:
        c = Client(max_queue=4)
        for i in range(3):
            c.offer(Message("epoch", 1, data_json=str(i)))
        for _ in range(10):
            c.offer(Message("activations", 1, data_json="{}"))
        c.offer(Message("status", 1, data_json='"x"'))
        return c

    c = asyncio.run(main())
    kinds = [t for t, *_ in c.queue]
    assert kinds.count("epoch") == 3 and kinds.count("status") == 1
    assert c.dropped == 10 and len(c.queue) == 4


def test_slow_client_overflow_is_flagged_not_blocking() -> None:
    async def main() -> Client:
        c = Client(max_queue=2)
        for i in range(9):
            c.offer(Message("epoch", 1, data_json=str(i)))
        return c

    c = asyncio.run(main())
    assert c.overflow and asyncio.run(c.next()) is None


def test_publish_from_thread_reaches_subscriber() -> None:
    async def main() -> list[str]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        c = Client()
        hub.subscribe(7, c)
        hub.publish(8, "epoch", 8, {"x": 1})  # nobody listens to run 8: nothing queued
        t = threading.Thread(target=lambda: [hub.publish(7, "epoch", 7, {"e": i})
                                             for i in range(3)])
        t.start()
        t.join()
        out = [await asyncio.wait_for(c.next(), 2) for _ in range(3)]
        hub.unsubscribe(7, c)
        assert not hub.has_subscribers(7)
        return out

    out = [json.loads(m) for m in asyncio.run(main())]
    assert [m["data"]["e"] for m in out] == [0, 1, 2] and out[0]["run"] == 7


def test_nan_in_published_payload_becomes_null() -> None:
    async def main() -> str:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        c = Client()
        hub.subscribe(1, c)
        hub.publish(1, "epoch", 1, {"loss": float("nan")})
        return await asyncio.wait_for(c.next(), 2)

    assert json.loads(asyncio.run(main()))["data"] == {"loss": None}


def test_rate_limit_over_time() -> None:
    async def main() -> int:
        c = Client()
        c.set_rate(20)
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < 0.5:
            i += 1
            c.offer(_step(i, 1.0))
            await asyncio.sleep(0.002)
        return sum(1 for t, *_ in c.queue if t == "step")

    assert 8 <= asyncio.run(main()) <= 12
