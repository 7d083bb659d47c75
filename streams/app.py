"""The Faust application: topics, tables and the two agents.

::

    mentions ──► enrich (stateless, batched) ──► entity partials ──► aggregate (stateful) ──► reputation.risk
                  │ bad input ──► mentions.dlq     keyed by entity     │ changelog tables
                  └ watermark ticks to every entity partition          └ Prometheus gauges

Agents are thin: decode, call the pure code in ``streams.enrich`` /
``streams.aggregate`` / ``detectors``, send, count. Delivery is at-least-once;
counting is effectively-once because the aggregator de-duplicates by mention id,
and output is idempotent because RiskEvent ids are deterministic.

Ordering rules that make this correct (see docs/architecture.md):

1. The enricher awaits the broker's ack of a batch's partials *before* it moves
   its source watermarks forward, so a tick never overtakes data it covers.
2. The aggregator awaits the ack of RiskEvents *before* it writes the closed
   state to its table, so a crash in between re-closes the bucket and re-publishes
   the same event ids instead of losing them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from faust.types import TP
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from detectors import SurgeDetector
from streams import __version__
from streams.aggregate import (
    apply_partial,
    close_ready,
    merge_watermark,
    new_entity_state,
    retire_if_idle,
    severity_rank,
)
from streams.enrich import (
    PARTIAL,
    Enricher,
    RecentIds,
    WatermarkTracker,
    build_partials,
    clamp_future,
)
from streams.kafka_admin import ssl_context
from streams.metrics import Metrics
from streams.pipeline import agg_config, build_enricher, entity_infos, info_for
from streams.schemas import DeadLetter, Mention, Rejection, decode_mention
from streams.settings import SecurityProtocol, Settings
from streams.watchlist import Watchlist

log = logging.getLogger("repwatch")

#: table names are part of saved state (changelog topic names): renaming is a migration
ENTITY_TABLE = "entity-state"
META_TABLE = "partition-meta"
#: exit status of a worker whose agent raised (EX_SOFTWARE); see Pipeline.die
EXIT_AGENT_FAILED = 70


def faust_settings(settings: Settings) -> dict[str, Any]:
    """Faust App keyword arguments for the settings' broker profile."""
    conf: dict[str, Any] = dict(
        broker=settings.broker_url,
        store="memory://",
        processing_guarantee="at_least_once",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_enabled=True,
        datadir=str(settings.data_dir),
        consumer_auto_offset_reset="earliest",
        version=1,
    )
    if settings.broker_profile == "embedded":
        # Measured in ../shared/BROKER.md: the embedded broker holds JoinGroup for half
        # the session timeout and drops a dead member after the full timeout; with
        # these values a first start takes ~4 s and a restart after kill -9 ~3 s.
        # producer_max_batch_size=1 (bytes) puts one record per batch, which works
        # around its wrong end offsets (table recovery would otherwise end early).
        conf.update(
            broker_session_timeout=3.0,
            broker_heartbeat_interval=0.3,
            broker_rebalance_timeout=10.0,
            broker_request_timeout=12.0,
            producer_max_batch_size=1,
            broker_commit_interval=1.0,
        )
    proto = settings.kafka_security_protocol
    if proto in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL):
        conf["broker_credentials"] = faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=ssl_context(settings),
        )
    elif proto == SecurityProtocol.SSL:
        conf["broker_credentials"] = faust.SSLCredentials(ssl_context(settings))
    return conf


class Pipeline:
    """Builds the Faust app and holds the per-process (non-saved) state of its agents."""

    def __init__(
        self,
        settings: Settings,
        watchlist: Watchlist,
        metrics: Metrics | None = None,
        enricher: Enricher | None = None,
    ) -> None:
        self.settings = settings
        self.watchlist = watchlist
        self.metrics = metrics or Metrics(max_entity_labels=settings.max_entity_labels)
        self.enricher = enricher or build_enricher(settings, watchlist)
        self._enrich_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
        self.cfg = agg_config(settings)
        self.detector = SurgeDetector()
        self.infos = entity_infos(watchlist)
        self.recent = RecentIds()
        self.tracker = WatermarkTracker(settings.idle_source_seconds)
        self._last_tick: str | None = None
        #: partition-meta entries with nothing durable yet (see ``_meta``)
        self._unsaved_meta: dict[str, dict] = {}
        self.metrics.register_entities((e.id, e.team) for e in watchlist.entities)
        self.metrics.build_info.info(
            {
                "version": __version__,
                "sentiment_model": getattr(self.enricher.scorer, "version", "?"),
                "watchlist_version": watchlist.fingerprint(),
                "watchlist_entities": str(len(watchlist.entities)),
            }
        )
        self.app = self._build_app()

    # ------------------------------------------------------------------ app
    @staticmethod
    def _table_schema() -> faust.Schema:
        return faust.Schema(key_serializer="json", value_serializer="json")

    def _build_app(self) -> faust.App:
        s = self.settings
        app = faust.App(s.app_id, **faust_settings(s))
        self.mentions_topic = app.topic(
            s.input_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )
        self.entity_topic = app.topic(
            s.entity_topic,
            key_type=bytes,
            key_serializer="raw",
            value_serializer="json",
            partitions=s.topic_partitions,
            internal=True,
        )
        self.risk_topic = app.topic(s.risk_topic, key_serializer="raw", value_serializer="raw")
        self.dlq_topic = app.topic(s.dlq_topic, key_serializer="raw", value_serializer="raw")
        self.entities = app.Table(
            ENTITY_TABLE, default=None, partitions=s.topic_partitions, schema=self._table_schema()
        )
        self.meta = app.Table(
            META_TABLE, default=None, partitions=s.topic_partitions, schema=self._table_schema()
        )

        @app.agent(self.mentions_topic, name="enrich")
        async def enrich(stream: faust.StreamT) -> None:
            async for events in stream.take_events(s.batch_size, within=s.batch_timeout_seconds):
                await self.complete("enrich", self.enrich_batch(events))

        @app.agent(self.entity_topic, name="aggregate")
        async def aggregate(stream: faust.StreamT) -> None:
            async for event in stream.events():
                await self.complete("aggregate", self.aggregate_event(event))

        @app.timer(interval=max(0.5, min(5.0, s.idle_source_seconds / 3)))
        async def watermark_ticker() -> None:
            await self.send_tick(force=False)

        @app.timer(interval=5.0)
        async def export_gauges() -> None:
            self.export_entity_gauges(app)
            self.export_consumer_lag(app)

        @app.page("/metrics")
        async def metrics_page(web: Any, request: Any) -> Any:
            return web.bytes(generate_latest(self.metrics.registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

        @app.page("/healthz")
        async def healthz(web: Any, request: Any) -> Any:
            return web.json({"status": "ok"})

        @app.page("/readyz")
        async def readyz(web: Any, request: Any) -> Any:
            ready, detail = self.readiness(app)
            return web.json({"ready": ready, **detail}, status=200 if ready else 503)

        app.on_partitions_revoked.connect(self._on_revoked)
        app.on_partitions_assigned.connect(self._on_assigned)
        return app

    async def complete(self, stage: str, work: Coroutine[Any, Any, None]) -> None:
        """Run one batch/event to completion, even if the agent is cancelled meanwhile.

        Faust acks the events an agent holds when its task ends, in ``finally``, *also* when the
        task is cancelled (a worker's graceful stop: SIGTERM, scale-in), and the stop then
        commits them. A batch cancelled half-way was thus committed unprocessed: lost (a
        scale-in during a surge lost a mention in CI, docs/faults.md finding 9; likely since
        enrichment runs in a thread, where a batch spends most of its time). So the work runs
        as its own task: a cancellation waits for it to finish, then propagates. An error
        exits without committing (``die``); so does a second cancellation while waiting."""
        task = asyncio.ensure_future(work)
        try:
            await asyncio.shield(task)
            return
        except asyncio.CancelledError:
            if task.cancelled():  # the work itself was cancelled: it did not finish, don't commit it
                self.die(stage, RuntimeError("the batch in progress was cancelled"))
        except Exception as exc:  # noqa: BLE001
            self.die(stage, exc)
        # cancelled while the work was running: let it finish, then stop as asked
        log.info("%s: stopping after the batch in progress", stage)
        try:
            await task
        except asyncio.CancelledError:
            self.die(stage, RuntimeError("cancelled again before the batch in progress finished"))
        except Exception as exc:  # noqa: BLE001
            self.die(stage, exc)
        raise asyncio.CancelledError

    @staticmethod
    def die(stage: str, exc: BaseException) -> None:
        """Stop the process at once when an agent raises unexpectedly.

        Faust acks the events an agent was processing when it raises (``take_events``
        and ``Stream.__aiter__`` ack in ``finally``) and its supervisor restarts the
        agent: the batch would be committed and lost. Exiting without committing
        instead makes the restarted worker re-process it -- the kill -9 path, proven
        exact by tests/faults. Bad *records* never get here (they go to the DLQ);
        what does is a broker or programming error, which should be loud.
        """
        log.critical(
            "%s agent failed: %s: %s -- exiting without committing; the input is re-processed on restart",
            stage, type(exc).__name__, exc, exc_info=exc,
        )
        for h in logging.getLogger().handlers + log.handlers:
            h.flush()
        sys.stderr.flush()
        os._exit(EXIT_AGENT_FAILED)

    # ---------------------------------------------------------------- enrich
    async def enrich_batch(self, events: list[Any]) -> None:
        m = self.metrics
        now = time.time()
        m.batch_size.observe(len(events))
        m.mentions_consumed.inc(len(events))
        valid: list[Mention] = []
        valid_ts: list[float] = []
        origin: dict[str, Any] = {}
        sources: list[tuple[str, float]] = []
        dlq: list[tuple[Any, Rejection]] = []
        for ev in events:
            msg = ev.message
            src = f"{msg.topic}/{msg.partition}"
            result = decode_mention(msg.value)
            if isinstance(result, Rejection):
                dlq.append((msg, result))
                continue
            ts, clamped = clamp_future(result.created_at.timestamp(), now, self.settings.max_future_skew_seconds)
            if clamped:
                m.mentions_future.inc()
            sources.append((src, ts))
            if self.recent.seen(result.id):
                m.mentions_duplicate.labels(stage="enrich").inc()
                continue
            valid.append(result)
            valid_ts.append(ts)
            origin[result.id] = msg
        # Enrichment is CPU-bound (with NER discovery up to ~12 ms a mention): it runs off the
        # event loop, so /healthz, /readyz, /metrics and the timers keep answering during a long
        # batch (500 mentions of contextual NER take ~6 s; the liveness timeout is 5 s). One
        # worker thread: batches stay in order and never overlap. (Consumer heartbeats are not
        # at stake: Faust runs the Kafka consumer in its own thread.)
        if valid:
            loop = asyncio.get_running_loop()
            enriched, failed = await loop.run_in_executor(self._enrich_pool, self.enricher.enrich, valid, valid_ts)
        else:
            enriched, failed = [], []
        for f in failed:
            log.warning("enrichment failed for mention %s: %r", f.mention.id, f.cause)
            dlq.append(
                (origin[f.mention.id], Rejection(reason="enrichment_error", detail=f"{type(f.cause).__name__}: {f.cause}"[:500]))
            )
        futures = []
        for partial in build_partials(enriched, self.settings.bucket_seconds):
            futures.append(await self.entity_topic.send(key=partial["e"].encode(), value=partial))
        for msg, rej in dlq:
            log.info(
                "rejected %s/%d@%d to DLQ: %s", msg.topic, msg.partition, msg.offset, rej.detail
            )
            m.mentions_rejected.labels(reason=rej.reason).inc()
            letter = DeadLetter.build(msg.value, rej, msg.topic, msg.partition, msg.offset)
            futures.append(await self.dlq_topic.send(key=msg.key, value=letter.model_dump_json().encode()))
        if futures:
            await asyncio.gather(*futures)
        m.dlq_published.inc(len(dlq))
        # Only now, with the partials acknowledged, may the watermark move past them (the
        # tracker ignores partitions a rebalance took away meanwhile: WatermarkTracker.forget).
        for src, ts in sources:
            self.tracker.observe(src, ts)
        for ev in events:
            self.tracker.delivered(f"{ev.message.topic}/{ev.message.partition}", ev.message.offset)
        m.mentions_matched.inc(len(enriched))
        m.mentions_processed.inc(len(valid) - len(failed))
        done = time.time()
        for ev in events:
            ts_ms = ev.message.timestamp  # Faust: seconds (float)
            if ts_ms:
                m.processing_latency.labels(stage="enrich").observe(max(0.0, done - ts_ms))
        newest = self.tracker.max_event_ts()
        if newest is not None:
            m.event_time_lag.labels(stage="enrich").set(done - newest)
            m.watermark.labels(stage="enrich").set(newest)
        m.last_processed.labels(stage="enrich").set(done)
        await self.send_tick(force=True)

    async def send_tick(self, force: bool) -> None:
        tick = self.tracker.tick(self._source_highwater, self._source_start_offset)
        if tick is None:
            return
        fingerprint = json.dumps(tick, sort_keys=True)
        if fingerprint == self._last_tick:
            return
        self._last_tick = fingerprint
        futures = [
            await self.entity_topic.send(key=None, value=tick, partition=p)
            for p in range(self.settings.topic_partitions)
        ]
        await asyncio.gather(*futures)

    def _source_highwater(self, source: str) -> int | None:
        """High watermark of a mentions partition as of the last fetch response (None if unknown).

        Not ``end_offsets()``: the embedded broker answers that wrongly (BROKER.md); the
        high watermark in fetch responses is right (measured, docs/faults.md)."""
        topic, _, part = source.rpartition("/")
        try:
            hw = self.app.consumer.highwater(TP(topic, int(part)))
        except Exception:  # noqa: BLE001 - consumer not started / partition not fetched yet
            return None
        return int(hw) if hw is not None else None

    def _source_start_offset(self, source: str) -> int | None:
        """The offset the consumer starts a mentions partition from: its committed offset
        (None without a commit: the tracker then takes 0, the embedded broker's earliest)."""
        topic, _, part = source.rpartition("/")
        try:
            off = self.app.consumer._committed_offset.get(TP(topic, int(part)))  # faust keeps it per TP
        except Exception:  # noqa: BLE001 - consumer not started
            return None
        return int(off) if off is not None else None

    # ------------------------------------------------------------- aggregate
    async def aggregate_event(self, event: Any) -> None:
        msg = event.value
        partition = event.message.partition
        m = self.metrics
        meta_key = f"p{partition}"
        if msg.get("k") == PARTIAL:
            eid = msg["e"]
            state = self.entities.get(eid)
            is_new = state is None
            if state is None:
                state = new_entity_state(eid)
            stats = apply_partial(state, msg, self.cfg)
            if stats.duplicates:
                m.mentions_duplicate.labels(stage="aggregate").inc(stats.duplicates)
            if stats.late:
                m.mentions_late.inc(stats.late)
            self.entities[eid] = state
            if is_new or stats.revived:
                meta = self._meta(meta_key)
                ents = meta.setdefault("ents", [])
                if eid not in ents:
                    ents.append(eid)
                    self._save_meta(meta_key, meta)
        else:
            meta = self._meta(meta_key)
            before = _durable_meta(meta)
            horizon = merge_watermark(meta, msg, self.cfg.allowed_lateness)
            if _durable_meta(meta) != before:
                self._save_meta(meta_key, meta)
            if horizon is not None:
                # Close on every tick, not only when the watermark moved: after a crash
                # between the meta and the entity-state changelog writes, the re-delivered
                # tick must still close what is due (close_ready is a no-op otherwise).
                if await self._close(meta, horizon):
                    self._save_meta(meta_key, meta)  # retired entities left the partition's list
                m.watermark.labels(stage="aggregate").set(meta["wm"])
        ts_ms = event.message.timestamp
        now = time.time()
        if ts_ms:
            m.processing_latency.labels(stage="aggregate").observe(max(0.0, now - ts_ms))
        m.last_processed.labels(stage="aggregate").set(now)

    def _meta(self, key: str) -> dict:
        """The partition's meta entry, to update in place. The table (memory store) hands out
        the stored dict, so what is not saved -- the *pending* sources, deliberately kept off
        the changelog (``_durable_meta``) -- still lasts until the next tick. An entry not in
        the table yet is kept here for the same reason: a fresh ``{}`` each time forgot the
        pending sources a worker announced at start-up, and the first partition to deliver
        then carried the watermark past the others (3,800-3,965 late drops in the burst case)."""
        meta = self.meta.get(key)
        return meta if meta is not None else self._unsaved_meta.setdefault(key, {})

    def _save_meta(self, key: str, meta: dict) -> None:
        self.meta[key] = meta
        self._unsaved_meta.pop(key, None)

    async def _close(self, meta: dict, horizon: float) -> bool:
        """Close due buckets of the partition's entities; True if discovered entities were retired."""
        m = self.metrics
        open_buckets = 0
        retired: list[str] = []
        for eid in list(meta.get("ents", [])):
            state = self.entities.get(eid)
            if state is None:
                continue
            info = info_for(self.infos, state, self.cfg.emerging_min_negative)
            t0 = time.perf_counter()
            closed = close_ready(state, horizon, self.cfg, self.detector, info)
            if closed:
                m.detector_step.observe((time.perf_counter() - t0) / len(closed))
            futures = []
            for c in closed:
                if c.event is not None:
                    futures.append(
                        await self.risk_topic.send(key=eid.encode(), value=c.event.model_dump_json().encode())
                    )
                    m.risk_events.labels(transition=c.event.transition or "none").inc()
            if futures:
                await asyncio.gather(*futures)  # events acked before the state moves on
            if closed:
                m.buckets_closed.inc(len(closed))
                m.bucket_close_delay.observe(max(0.0, meta["wm"] - closed[-1].bucket.end.timestamp()))
                self.entities[eid] = state
                if info.watchlisted:
                    self._observe(eid, info.team, state)
            if retire_if_idle(state, self.cfg):
                self.entities[eid] = state
                retired.append(eid)
            open_buckets += len(state["open"])
        m.open_buckets.set(open_buckets)
        if retired:
            gone = set(retired)
            meta["ents"] = [e for e in meta.get("ents", []) if e not in gone]
            m.entities_retired.inc(len(retired))
        return bool(retired)

    def _observe(self, eid: str, team: str, state: dict) -> None:
        last = state.get("last")
        if not last:
            return
        self.metrics.observe_entity(
            eid,
            team,
            score=last["score"],
            severity_rank=severity_rank(last["sev"]),
            incident_open=last["incident"] is not None,
            # states written before "isev" existed: the bucket's (held) severity stands in
            incident_severity_rank=severity_rank(last.get("isev", last["sev"])),
            volume=last["n"],
            expected_volume=last["exp"],
            negative=last["neg"],
            expected_negative=last["expneg"],
            positive=last["pos"],
            neutral=last["neu"],
            reach=last["reach"],
            unique_authors=last["authors"],
            bucket_end=last["end"],
        )

    # ------------------------------------------------------- housekeeping
    def _entity_partitions(self, app: faust.App) -> list[int]:
        try:
            assignment = app.consumer.assignment()
        except Exception:  # noqa: BLE001 - consumer not started yet
            return []
        return sorted(tp.partition for tp in assignment if tp.topic == self.settings.entity_topic)

    def export_entity_gauges(self, app: faust.App) -> None:
        """Re-export gauges from table state: after a rebalance, the new owner of an
        entity exports its last risk at once instead of waiting for the next bucket."""
        tracked = 0
        for p in self._entity_partitions(app):
            meta = self.meta.get(f"p{p}") or {}
            for eid in meta.get("ents", []):
                state = self.entities.get(eid)
                if state is None:
                    continue
                tracked += 1
                info = self.infos.get(eid)
                if info is not None:
                    self._observe(eid, info.team, state)
        self.metrics.tracked_entities.set(tracked)

    def export_consumer_lag(self, app: faust.App) -> None:
        try:
            consumer = app.consumer
            assignment = consumer.assignment()
        except Exception:  # noqa: BLE001
            return
        counts: dict[str, int] = {}
        for tp in assignment:
            counts[tp.topic] = counts.get(tp.topic, 0) + 1
            try:
                hw = consumer.highwater(tp)
                pos = consumer._read_offset.get(tp)  # noqa: SLF001 - Faust keeps the read position here
            except Exception:  # noqa: BLE001
                continue
            if hw is not None and pos is not None:
                self.metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(
                    max(0, hw - pos - 1)
                )
        for topic, n in counts.items():
            self.metrics.assigned_partitions.labels(topic=topic).set(n)

    def readiness(self, app: faust.App) -> tuple[bool, dict]:
        try:
            assignment = app.consumer.assignment()
        except Exception:  # noqa: BLE001
            return False, {"reason": "consumer not started"}
        if app.rebalancing:
            return False, {"reason": "rebalancing"}
        if not assignment:
            return False, {"reason": "no partitions assigned"}
        return True, {"partitions": len(assignment)}

    async def _on_revoked(self, app: Any, revoked: Any, **kwargs: Any) -> None:
        sources = [f"{tp.topic}/{tp.partition}" for tp in revoked if tp.topic == self.settings.input_topic]
        self.tracker.forget(sources)
        self._last_tick = None
        for tp in revoked:
            if tp.topic != self.settings.entity_topic:
                continue
            key = f"p{tp.partition}"
            self._unsaved_meta.pop(key, None)
            meta = self.meta.get(key) or {}
            for eid in meta.get("ents", []):
                self.metrics.forget_entity(eid)

    async def _on_assigned(self, app: Any, assigned: Any, **kwargs: Any) -> None:
        self.tracker.assign(f"{tp.topic}/{tp.partition}" for tp in assigned if tp.topic == self.settings.input_topic)
        self._last_tick = None


def _durable_meta(meta: dict) -> tuple:
    """What of a partition-meta entry is worth a changelog write. A missing idle list or source
    map counts as empty: a tick that only reports *pending* partitions (a worker that has read
    nothing yet) changes nothing durable (pending is re-announced by every tick and re-derived
    by a restarted worker). Writing it made a restart recover a non-empty changelog with no
    input committed, and that path lost 1-2 input records in Faust (docs/faults.md, finding 8).
    Likewise an idle list while no source has reported (partitions released as empty before
    any record): it does not move the watermark, and a restarted worker releases them again."""
    src = bool(meta.get("src"))
    return meta.get("wm"), list(meta.get("idle") or []) if src else [], src


def create_app(settings: Settings, watchlist: Watchlist, metrics: Metrics | None = None) -> Pipeline:
    return Pipeline(settings, watchlist, metrics)
