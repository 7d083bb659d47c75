"""Cases 5 and 6: duplicate delivery and disorder.

5. The same mentions produced twice, then, after a restart, half of the stream
   replayed onto one partition: counted once, the same events, the same final
   state.
6. Out-of-order events inside the allowed lateness change nothing; events beyond
   it are counted and dropped -- exactly as the offline replay of the same
   arrival order does; event times from the future (clock skew) are clamped to
   the worker clock + RRM_MAX_FUTURE_SKEW_SECONDS and counted.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from streams.pipeline import run_offline
from streams.settings import load_settings
from tests.faults.harness import (
    SURGE,
    assert_same_events,
    assert_same_states,
    encode,
    offline_events,
    produce_counted,
    read_risk,
    read_table,
    scenario,
    ts,
    wait_settled,
)
from tests.faults.test_crash_restart import check_outcome
from tests.integration.conftest import make_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(600)
def test_duplicates_and_partition_replay_count_once(broker, fault_workers, measure) -> None:
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    topics = make_topics("dups")
    w = fault_workers(topics)
    w.start()
    recs, keys = encode(mentions)
    t0 = time.monotonic()
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys)
    produced += produce_counted(broker.bootstrap, topics.input, recs, keys)  # every mention delivered twice
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    twice_s = time.monotonic() - t0
    m = w.metrics()
    assert m["repwatch_mentions_consumed_total"] == 2 * len(recs)
    assert m["repwatch_mentions_processed_total"] == len(recs), "each mention id counted once"
    dups = m["repwatch_mentions_duplicate_total{stage=enrich}"] + m["repwatch_mentions_duplicate_total{stage=aggregate}"]
    assert dups >= len(recs)
    check_outcome(broker.bootstrap, topics, name, scale, truth)

    # A replay after a restart (fresh process: no in-memory de-dup left): the first
    # half of the stream -- the surge's run-up -- re-sent onto one partition, as an
    # upstream connector does after its own failure. (Rewinding the group's
    # committed offsets is not possible on the embedded broker: docs/faults.md.)
    w.stop("term")
    w.start()
    half = len(recs) // 2
    t1 = time.monotonic()
    produced += produce_counted(broker.bootstrap, topics.input, recs[:half], keys[:half], partition=0)
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    replay_s = time.monotonic() - t1
    m2 = w.metrics()
    assert m2["repwatch_mentions_consumed_total"] == half
    feed, _ = check_outcome(broker.bootstrap, topics, name, scale, truth)
    measure(mentions=len(recs), produced_twice_s=round(twice_s, 1), replayed_records=half,
            replay_s=round(replay_s, 1), replay_late_dropped=m2["repwatch_mentions_late_dropped_total"],
            replay_duplicates=m2["repwatch_mentions_duplicate_total{stage=aggregate}"],
            event_copies_on_topic=len(feed.raw), events=len(feed.by_id))


def disordered(mentions: list[dict], jitter: float, n_late: int, late_by: float, seed: int = 11) -> tuple[list, list]:
    """Arrival order with every mention up to ``jitter`` s out of event-time order,
    and ``n_late`` kindle mentions arriving ``late_by`` s after their event time."""
    rng = random.Random(seed)
    kindle = [i for i, m in enumerate(mentions) if "kindle" in m["text"].lower()]
    late = set(rng.sample(kindle[len(kindle) // 4: 3 * len(kindle) // 4], n_late))
    keyed = []
    for i, m in enumerate(mentions):
        t = ts(m["created_at"])
        keyed.append((t + (late_by if i in late else rng.uniform(0, jitter)), i))
    keyed.sort()
    jittered = sorted(((ts(m["created_at"]) + rng.uniform(0, jitter), i) for i, m in enumerate(mentions)))
    return [mentions[i] for _, i in keyed], [mentions[i] for _, i in jittered]


@pytest.mark.timeout(420)
def test_out_of_order_and_late_events(broker, fault_workers, measure) -> None:
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    settings = load_settings()
    lateness = settings.allowed_lateness_seconds
    arrival, jittered = disordered(mentions, jitter=lateness - settings.bucket_seconds, n_late=60, late_by=3 * 3600)

    # inside the allowed lateness, disorder changes nothing (same code, offline)
    in_order, only_jitter = run_offline(mentions, settings), run_offline(jittered, settings)
    assert offline_events(only_jitter) == offline_events(in_order)
    assert only_jitter.late == 0
    reference = run_offline(arrival, settings)
    assert reference.late > 0, "the scenario really has events beyond the allowed lateness"

    # live, on one partition (one source: the same watermark as the offline replay)
    topics = make_topics("order")
    w = fault_workers(topics)
    w.start()
    recs, keys = encode(arrival)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys, partition=0)
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    m = w.metrics()
    assert m["repwatch_mentions_processed_total"] == len(recs)
    assert m["repwatch_mentions_late_dropped_total"] == reference.late, "late events counted, exactly"
    feed = read_risk(broker.bootstrap, topics.risk)
    assert_same_events(feed, offline_events(reference))
    assert_same_states(read_table(broker.bootstrap, topics.app_id, "entity-state"), reference.states)
    pages = {e["entity_id"] for e in feed.by_id.values() if e["severity"] == "critical"}
    assert truth["entity_id"] in pages, "the true page still comes"
    measure(mentions=len(recs), late_dropped_entity_mentions=reference.late,
            events=len(feed.by_id), same_as_in_order=offline_events(reference) == offline_events(in_order))


@pytest.mark.timeout(300)
def test_future_event_times_are_clamped_and_counted(broker, fault_workers, measure) -> None:
    skew = load_settings().max_future_skew_seconds
    topics = make_topics("future")
    w = fault_workers(topics)
    w.start()
    now = datetime.now(tz=UTC)
    rng = random.Random(5)
    out = []
    for i in range(300):
        future = i % 15 == 0  # 20 of them claim to be from two days ahead
        when = now + timedelta(days=2) if future else now - timedelta(seconds=1800 - i * 5)
        out.append({"id": f"fut-{i}", "platform": "twitter",
                    "author": {"id": f"a{rng.randrange(200)}", "handle": f"@a{i}", "followers": 10},
                    "text": f"kindle {'deleted my books' if i % 3 else 'is fine'} #{i}",
                    "created_at": when.isoformat().replace("+00:00", "Z")})
    recs, keys = encode(out)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys, partition=0)
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    done = time.time()
    m = w.metrics()
    assert m["repwatch_mentions_future_clamped_total"] == 20
    assert m["repwatch_mentions_processed_total"] == 300, "clamped, not dropped"
    assert m["repwatch_watermark_timestamp_seconds{stage=enrich}"] <= done + skew
    state = read_table(broker.bootstrap, topics.app_id, "entity-state")["amazon-kindle"]
    buckets = [int(b) for b in state["open"]] + ([state["closed"]] if state["closed"] else [])
    assert buckets and max(buckets) <= done + skew, "no bucket two days ahead"
    n = sum(b["n"] for b in state["open"].values())
    feed = read_risk(broker.bootstrap, topics.risk)
    assert all(ts(e["window_start"]) <= done + skew for e in feed.by_id.values())
    measure(clamped=20, open_bucket_mentions=n, latest_bucket=json.dumps(sorted(state["open"])[-1:]))
