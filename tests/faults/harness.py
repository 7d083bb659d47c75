"""Shared machinery of the fault suite: scenario slices, the offline reference, a
schema-only downstream consumer, read-back of table state from the changelogs, and
waits that survive worker restarts.

Everything talks to the real embedded broker with confluent-kafka (a third-party
client), so nothing here depends on repwatch's own Kafka code.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from streams.pipeline import OfflineResult, run_offline
from streams.scenarios import generate
from streams.schemas import SCHEMA_DIR
from streams.settings import load_settings
from tests.integration.conftest import Worker

#: the fault suite's standard surge: Kindle 1984 with the baseline scaled down to
#: 0.3 (14,152 mentions, 8,010 of them after the onset); the wave keeps full size.
SURGE = ("kindle-1984", 0.3)


@functools.lru_cache(maxsize=8)
def scenario(name: str, scale: float, seed: int = 7) -> tuple[list[dict], dict]:
    sc = generate(name, seed=seed, scale=scale)
    return sc.mentions, sc.truth


def encode(mentions: list[dict]) -> tuple[list[bytes], list[bytes]]:
    return [json.dumps(m, separators=(",", ":")).encode() for m in mentions], [m["id"].encode() for m in mentions]


@functools.lru_cache(maxsize=8)
def _offline(name: str, scale: float, seed: int) -> OfflineResult:
    mentions, _ = scenario(name, scale, seed)
    return run_offline(mentions, load_settings())


def offline_reference(name: str, scale: float, seed: int = 7) -> OfflineResult:
    """The undisturbed outcome by construction: the same code in-process (the
    integration suite proves live undisturbed == offline for the full scenario)."""
    return _offline(name, scale, seed)


def ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Background:
    """Run ``fn`` in a thread; ``result()`` joins it and re-raises its exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        import threading

        self._out: list[Any] = []
        self._err: list[BaseException] = []

        def run() -> None:
            try:
                self._out.append(fn())
            except BaseException as exc:  # noqa: BLE001 - re-raised in result()
                self._err.append(exc)

        self._t = threading.Thread(target=run, daemon=True)
        self._t.start()

    def result(self, timeout: float = 300) -> Any:
        self._t.join(timeout)
        assert not self._t.is_alive(), "background producer did not finish"
        if self._err:
            raise self._err[0]
        return self._out[0]


def split_at(mentions: list[dict], t: float) -> int:
    """Index of the first mention with event time >= ``t`` (mentions are time-ordered)."""
    return next((i for i, m in enumerate(mentions) if ts(m["created_at"]) >= t), len(mentions))


def iso(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, tz=UTC).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- produce
def produce_counted(bootstrap: str, topic: str, records: list[bytes], keys: list[bytes | None] | None = None,
                    partition: int | None = None, rate: float | None = None) -> Counter:
    """Produce (``rate`` records/s, or as fast as possible) and return the delivered
    record count per partition (from delivery reports)."""
    from confluent_kafka import Producer

    delivered: Counter = Counter()
    errors: list[str] = []

    def on_delivery(err: Any, msg: Any) -> None:
        if err is not None:
            errors.append(str(err))
        else:
            delivered[msg.partition()] += 1

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "message.max.bytes": 20_000_000})
    t0 = time.monotonic()
    for i, rec in enumerate(records):
        if rate:
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                p.flush(delay) if delay > 0.05 else time.sleep(delay)
        kw: dict[str, Any] = {"value": rec, "key": keys[i] if keys else None, "on_delivery": on_delivery}
        if partition is not None:
            kw["partition"] = partition
        while True:
            try:
                p.produce(topic, **kw)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    assert p.flush(60) == 0
    assert not errors, errors[:3]
    return delivered


# --------------------------------------------------------------------------- consume
def _consume_all(bootstrap: str, topic: str, idle: float = 3.0, first_wait: float = 8.0) -> list[Any]:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex[:6]}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "fetch.message.max.bytes": 20_000_000, "receive.message.max.bytes": 100_000_000})
    try:
        meta = c.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or not meta.partitions:
            return []
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])
        out = []
        deadline = time.monotonic() + first_wait
        while time.monotonic() < deadline:
            msgs = c.consume(500, 0.5)
            for m in msgs:
                if m.error():
                    continue
                out.append(m)
            if msgs:
                deadline = max(deadline, time.monotonic() + idle)
        return out
    finally:
        c.close()


@dataclass
class RiskFeed:
    """What a downstream consumer built only against the committed JSON Schema sees:
    every record validated (formats checked), then de-duplicated on ``event_id``."""

    raw: list[dict] = field(default_factory=list)
    by_id: dict[str, dict] = field(default_factory=dict)
    copies: Counter = field(default_factory=Counter)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.copies.values())

    def ordered(self, entity: str | None = None) -> list[dict]:
        evs = [e for e in self.by_id.values() if entity is None or e["entity_id"] == entity]
        return sorted(evs, key=lambda e: (e["entity_id"], e["window_start"]))


@functools.lru_cache(maxsize=1)
def risk_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / "risk_event.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


#: every RiskEvent any fault test read, for the schema case (10)
ALL_EVENTS: list[dict] = []


def check_datetimes(ev: dict) -> None:
    """``format: date-time`` fields parse as timezone-aware RFC 3339 (jsonschema does not
    check the format without an extra package, so the consumer does it itself)."""
    from datetime import datetime

    stamps = [ev["window_start"], ev["window_end"]] + [p["created_at"] for p in ev["evidence"]["top_posts"]]
    for value in stamps:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        assert parsed.tzinfo is not None, f"{value!r} has no time zone"


def read_risk(bootstrap: str, topic: str) -> RiskFeed:
    feed = RiskFeed()
    v = risk_validator()
    for m in _consume_all(bootstrap, topic):
        ev = json.loads(m.value())  # a consumer that cannot parse the bytes fails here
        errors = sorted(v.iter_errors(ev), key=lambda e: list(e.path))
        assert not errors, f"event violates the committed schema: {errors[0].message} at {list(errors[0].path)}"
        check_datetimes(ev)
        assert m.key() == ev["entity_id"].encode(), "keyed by entity id"
        feed.raw.append(ev)
        ALL_EVENTS.append(ev)
        prev = feed.by_id.get(ev["event_id"])
        if prev is not None:
            assert prev == ev, f"duplicate event_id {ev['event_id']} with different contents"
        feed.by_id[ev["event_id"]] = ev
        feed.copies[ev["event_id"]] += 1
    return feed


def read_dlq(bootstrap: str, topic: str) -> list[dict]:
    return [json.loads(m.value()) for m in _consume_all(bootstrap, topic)]


def read_table(bootstrap: str, app_id: str, table: str) -> dict[str, Any]:
    """Latest value per key of a Faust table's changelog topic (the saved state)."""
    out: dict[str, Any] = {}
    for m in _consume_all(bootstrap, f"{app_id}-{table}-changelog", idle=2.0, first_wait=5.0):
        key = json.loads(m.key())
        out[key] = None if m.value() is None else json.loads(m.value())
    return out


def committed(bootstrap: str, group: str, topic: str, partitions: list[int]) -> dict[int, int]:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        res = c.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in res}
    finally:
        c.close()


# --------------------------------------------------------------------------- waits
def wait_until(pred: Callable[[], Any], timeout: float, what: str, poll: float = 0.2,
               on_timeout: Callable[[], str] | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}" +
                         ("\n" + on_timeout() if on_timeout else ""))


def metric(w: Worker, name: str) -> float | None:
    return w.metrics().get(name)


def wait_watermark(w: Worker, at_least: float, timeout: float = 120) -> float:
    """Wait until this worker process has enriched input up to event time ``at_least``."""
    def past() -> float | None:
        v = metric(w, "repwatch_watermark_timestamp_seconds{stage=enrich}")
        return v if v is not None and v >= at_least else None

    return wait_until(past, timeout, f"enrich watermark >= {at_least}", on_timeout=w.log_tail)


def wait_settled(bootstrap: str, workers: list[Worker], app_id: str, topic: str, produced: Counter,
                 timeout: float = 240, settle: float = 6.0) -> None:
    """Wait until the group has committed every produced input record and the
    workers' bucket closing has been quiet for ``settle`` seconds (restart-proof:
    no per-process counter is trusted)."""
    parts = sorted(produced)
    wait_until(lambda: committed(bootstrap, app_id, topic, parts) == dict(produced), timeout,
               f"committed offsets == produced {dict(produced)}", poll=1.0,
               on_timeout=lambda: "\n".join(w.log_tail(15) for w in workers))
    last: tuple | None = None
    since = time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cur = tuple(
            (m.get("repwatch_buckets_closed_total"), m.get("repwatch_risk_events_published_total{transition=none}"),
             m.get("repwatch_mentions_processed_total"))
            for m in (w.metrics() for w in workers if w.proc is not None and w.proc.poll() is None)
        )
        if cur != last:
            last, since = cur, time.monotonic()
        elif time.monotonic() - since >= settle:
            return
        time.sleep(0.5)
    raise AssertionError("bucket closing did not settle")


# --------------------------------------------------------------------------- compare
def comparable_state(state: dict) -> dict:
    """Entity state with arrival-order artefacts removed (id and text-hash lists
    sorted); everything else -- detector state, closed horizon, counts, authors,
    evidence -- must be identical however the input was delivered."""
    s = json.loads(json.dumps(state))
    for b in s.get("open", {}).values():
        b["ids"] = sorted(b["ids"])
        b["nt"] = sorted(b["nt"])
    return s


def assert_same_states(live: dict[str, Any], offline: dict[str, dict]) -> None:
    assert set(live) == set(offline), f"entities differ: {set(live) ^ set(offline)}"
    for eid, st in offline.items():
        a, b = comparable_state(live[eid]), comparable_state(st)
        if a != b:
            raise AssertionError(f"state of {eid} differs from the undisturbed run (live, undisturbed): "
                                 f"{str(state_diff(a, b))[:3000]}")


def state_diff(a: Any, b: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """The leaves where two JSON values differ, by path (e.g. ``det.fast``): readable failures."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: dict[str, tuple[Any, Any]] = {}
        for k in sorted(set(a) | set(b), key=str):
            out.update(state_diff(a.get(k), b.get(k), f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = {}
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.update(state_diff(x, y, f"{path}[{i}]"))
        return out
    return {} if a == b else {path: (a, b)}


def offline_events(ref: OfflineResult) -> dict[str, dict]:
    return {e.event_id: json.loads(e.model_dump_json()) for e in ref.risk_events}


def assert_same_events(feed: RiskFeed, expected: dict[str, dict]) -> None:
    """The acid test: the same set of risk events, with the same contents."""
    missing = sorted(set(expected) - set(feed.by_id))
    extra = sorted(set(feed.by_id) - set(expected))
    lines = []
    for eid in missing:
        e = expected[eid]
        lines.append(f"missing {e['entity_id']} {e['window_start']} {e['severity']} {e['transition']}")
    for eid in extra:
        e = feed.by_id[eid]
        lines.append(f"extra   {e['entity_id']} {e['window_start']} {e['severity']} {e['transition']}")
    for eid in sorted(set(expected) & set(feed.by_id)):
        if feed.by_id[eid] != expected[eid]:
            a, b = feed.by_id[eid], expected[eid]
            lines.append(f"differs {eid}: " + str({k: (a[k], b[k]) for k in a if a[k] != b.get(k)})[:600])
    assert not lines, "risk events differ from the undisturbed run:\n" + "\n".join(lines)


def incident_story(events: list[dict]) -> list[tuple[str, str | None, str | None]]:
    return [(e["severity"], e["transition"], e["incident_id"]) for e in events]


def assert_one_incident_per_page(feed: RiskFeed, entity: str) -> None:
    """No resolve-then-refire: each incident id opens once, nothing follows its resolve."""
    opened: Counter = Counter()
    resolved: set[str] = set()
    for e in feed.ordered(entity):
        inc = e["incident_id"]
        if inc is None:
            continue
        assert inc not in resolved, f"incident {inc} continues after it was resolved: {incident_story(feed.ordered(entity))}"
        if e["transition"] == "opened":
            opened[inc] += 1
        if e["transition"] == "resolved":
            resolved.add(inc)
    assert all(n == 1 for n in opened.values()), opened


def by_entity(feed: RiskFeed) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for e in feed.ordered():
        out[e["entity_id"]].append(e)
    return out


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
