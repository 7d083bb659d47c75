"""The Faust agents in-process with ``agent.test_context()`` (no broker): thin wrappers
around the pure code, with sends captured."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from streams.app import Pipeline
from streams.enrich import id_hash
from streams.settings import DEFAULT_WATCHLIST, load_settings
from streams.watchlist import load_watchlist

T0 = 1247824800  # 2009-07-17T10:00:00Z


def mention(mid: str, text: str, minute: int = 0) -> bytes:
    return json.dumps({
        "id": mid, "platform": "twitter", "author": {"id": "a" + mid, "handle": "@a" + mid, "followers": 5},
        "text": text, "created_at": f"2009-07-17T10:{minute:02d}:00Z",
    }).encode()


def pipeline(monkeypatch: pytest.MonkeyPatch) -> tuple[Pipeline, dict[str, list[dict[str, Any]]]]:
    p = Pipeline(load_settings(sentiment_model="vader"), load_watchlist(DEFAULT_WATCHLIST))
    app = p.app
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    sent: dict[str, list[dict[str, Any]]] = {"entity": [], "dlq": [], "risk": []}

    def capture(name: str):
        async def send(*args: Any, **kwargs: Any) -> asyncio.Future:
            sent[name].append(kwargs)
            fut = asyncio.get_running_loop().create_future()
            fut.set_result(None)
            return fut
        return send

    monkeypatch.setattr(p.entity_topic, "send", capture("entity"))
    monkeypatch.setattr(p.dlq_topic, "send", capture("dlq"))
    monkeypatch.setattr(p.risk_topic, "send", capture("risk"))
    return p, sent


def test_enrich_agent_sends_partials_ticks_and_dead_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    p, sent = pipeline(monkeypatch)

    async def run() -> None:
        async with p.app.agents["enrich"].test_context() as agent:
            await agent.put(mention("1", "my kindle is broken, terrible"))
            await agent.put(mention("1", "my kindle is broken, terrible"))  # duplicate id
            await agent.put(b"\xff\xfe")
            await agent.put(mention("2", "lovely weather"))  # matches nothing
            await asyncio.sleep(p.settings.batch_timeout_seconds + 0.5)

    asyncio.run(run())
    partials = [s["value"] for s in sent["entity"] if s["value"]["k"] == "p"]
    ticks = [s for s in sent["entity"] if s["value"]["k"] == "w"]
    assert [(x["e"], len(x["r"])) for x in partials] == [("amazon-kindle", 1)]
    assert sorted(t["partition"] for t in ticks)[:4] == [0, 1, 2, 3]
    assert [json.loads(d["value"])["reason"] for d in sent["dlq"]] == ["invalid_utf8"]
    reg = p.metrics.registry
    assert reg.get_sample_value("repwatch_mentions_processed_total") == 2  # ids 1 and 2, once each
    assert reg.get_sample_value("repwatch_mentions_duplicate_total", {"stage": "enrich"}) == 1
    assert reg.get_sample_value("repwatch_mentions_rejected_total", {"reason": "invalid_utf8"}) == 1


def test_aggregate_agent_closes_on_ticks_and_dedups(monkeypatch: pytest.MonkeyPatch) -> None:
    p, sent = pipeline(monkeypatch)

    def partial(i: int) -> dict:
        return {"k": "p", "e": "amazon-kindle", "b": T0 + 300 * i, "ev": [],
                "r": [[id_hash(f"m{i}-{j}"), f"a{j}", "@a", -1 if j < 2 else 1, 3, j] for j in range(4)]}

    async def run() -> None:
        async with p.app.agents["aggregate"].test_context() as agent:
            for i in range(30):
                await agent.put(partial(i), key=b"amazon-kindle", partition=0)
            await agent.put(partial(3), key=b"amazon-kindle", partition=0)  # re-delivered partial
            await agent.put({"k": "w", "src": {"mentions/0": T0 + 300 * 20 + 600}, "idle": []}, partition=0)
            await agent.put(partial(5), key=b"amazon-kindle", partition=0)  # its bucket is closed now: late

    asyncio.run(run())
    reg = p.metrics.registry
    assert reg.get_sample_value("repwatch_buckets_closed_total") == 20
    assert reg.get_sample_value("repwatch_mentions_duplicate_total", {"stage": "aggregate"}) == 4
    assert reg.get_sample_value("repwatch_mentions_late_dropped_total") == 4
    state = p.entities["amazon-kindle"]
    assert state["closed"] == T0 + 300 * 20 and len(state["open"]) == 10
    assert reg.get_sample_value("repwatch_entity_mentions", {"entity": "amazon-kindle", "team": "comms-retail"}) == 4


@pytest.mark.parametrize("partials_first", [False, True], ids=["fresh-partition", "known-partition"])
def test_pending_sources_announced_before_any_record_hold_the_watermark(
    monkeypatch: pytest.MonkeyPatch, partials_first: bool
) -> None:
    """A worker announces its input partitions as pending before it has read anything; that is
    not saved (not durable) but must last until they report. It was forgotten when the
    partition had no meta entry yet, and the first input partition to deliver closed the
    others' buckets (the burst case: 3,800-3,965 late drops)."""
    p, _ = pipeline(monkeypatch)

    def partial(i: int, j: int) -> dict:
        return {"k": "p", "e": "amazon-kindle", "b": T0 + 300 * i, "ev": [],
                "r": [[id_hash(f"m{i}-{j}"), f"a{j}", "@a", -1, 3, j]]}

    async def run() -> None:
        async with p.app.agents["aggregate"].test_context() as agent:
            if partials_first:
                await agent.put(partial(0, 0), key=b"amazon-kindle", partition=0)
            await agent.put({"k": "w", "src": {}, "idle": [], "pending": ["m/0", "m/1"]}, partition=0)
            await agent.put({"k": "w", "src": {}, "idle": [], "pending": ["m/0", "m/1"]}, partition=0)
            # m/0 delivers first, hours ahead; m/1 (still pending) has not said anything yet
            await agent.put({"k": "w", "src": {"m/0": T0 + 300 * 40}, "idle": []}, partition=0)
            await agent.put(partial(1, 1), key=b"amazon-kindle", partition=0)  # m/1's first mention
            await agent.put({"k": "w", "src": {"m/0": T0 + 300 * 40, "m/1": T0 + 300 * 30}, "idle": []},
                            partition=0)

    asyncio.run(run())
    reg = p.metrics.registry
    assert reg.get_sample_value("repwatch_mentions_late_dropped_total") == 0
    assert p.entities["amazon-kindle"]["closed"] == T0 + 300 * 28  # min(m/0, m/1) - lateness 600 s


def test_partitions_released_before_any_record_write_nothing_to_the_changelog(monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart with partition state but no committed input lost records in Faust (finding 8):
    ticks from a worker that has read nothing (pending, then released as empty) stay in memory."""
    p, _ = pipeline(monkeypatch)

    async def run() -> None:
        async with p.app.agents["aggregate"].test_context() as agent:
            await agent.put({"k": "w", "src": {}, "idle": [], "pending": ["m/0", "m/1"]}, partition=0)
            await agent.put({"k": "w", "src": {}, "idle": ["m/0", "m/1"]}, partition=0)

    asyncio.run(run())
    assert p.meta.get("p0") is None, "nothing durable yet"
    assert p._unsaved_meta["p0"] == {"src": {}, "idle": ["m/0", "m/1"], "pending": []}  # kept in memory


def test_enrichment_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow batch (contextual NER: ~6 s for 500 mentions) must not stall the event loop, which
    also serves /healthz (liveness), /readyz and /metrics. Without the executor the loop
    is blocked for the whole batch and the probe below sees a ~1.5 s gap."""
    import time

    p, sent = pipeline(monkeypatch)
    real = p.enricher.enrich
    batches: list[int] = []

    def slow_enrich(mentions: Any, ts: Any = None) -> Any:
        batches.append(len(mentions))
        time.sleep(1.5)  # blocks like CPU-bound work would
        return real(mentions, ts)

    monkeypatch.setattr(p.enricher, "enrich", slow_enrich)
    gaps: list[float] = []

    async def probe(stop: asyncio.Event) -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.02)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(probe(stop))
        async with p.app.agents["enrich"].test_context() as agent:
            await agent.put(mention("1", "my kindle is broken, terrible"))
            await asyncio.sleep(p.settings.batch_timeout_seconds + 2.0)
        stop.set()
        await task

    asyncio.run(run())
    assert batches == [1]
    assert [s["value"]["e"] for s in sent["entity"] if s["value"]["k"] == "p"] == ["amazon-kindle"]
    assert max(gaps) < 0.6, f"event loop stalled for {max(gaps):.2f} s during enrichment"


def test_a_partition_revoked_mid_batch_reports_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebalance that takes a partition while its batch is being enriched (now that enrichment
    runs off the event loop, it can): the batch's partials still go out (the new owner re-reads
    from the last commit; duplicates are dropped by id), but this worker must not report a
    watermark for the partition it no longer owns."""
    import threading

    from faust.types import TP

    p, sent = pipeline(monkeypatch)
    real = p.enricher.enrich
    started, release = threading.Event(), threading.Event()

    def held_enrich(mentions: Any, ts: Any = None) -> Any:
        started.set()
        release.wait(10)
        return real(mentions, ts)

    monkeypatch.setattr(p.enricher, "enrich", held_enrich)
    topic = p.settings.input_topic

    async def run() -> None:
        async with p.app.agents["enrich"].test_context() as agent:
            await agent.put(mention("1", "my kindle is broken, terrible"))
            while not started.is_set():
                await asyncio.sleep(0.01)
            await p._on_revoked(p.app, {TP(topic, 0)})  # test_context delivers on partition 0
            release.set()
            await asyncio.sleep(p.settings.batch_timeout_seconds + 1.0)

    asyncio.run(run())
    assert [s["value"]["e"] for s in sent["entity"] if s["value"]["k"] == "p"] == ["amazon-kindle"]
    wm, _ = p.tracker.snapshot()
    assert f"{topic}/0" not in wm, wm


def test_a_stop_during_a_batch_lets_the_batch_finish_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Faust acks (and a graceful stop then commits) the events an agent holds when its task is
    cancelled. A batch cut off half-way would be committed unprocessed, so a cancellation
    waits for the batch in progress and only then propagates."""
    p, _ = pipeline(monkeypatch)
    steps: list[str] = []

    async def batch() -> None:
        steps.append("started")
        await asyncio.sleep(0.3)  # e.g. enrichment in the executor, then the sends
        steps.append("finished")

    async def run() -> None:
        task = asyncio.create_task(p.complete("enrich", batch()))
        await asyncio.sleep(0.05)
        task.cancel()  # what a worker's graceful stop does to the agent
        with pytest.raises(asyncio.CancelledError):
            await task
        steps.append("cancel propagated")

    asyncio.run(run())
    assert steps == ["started", "finished", "cancel propagated"]
