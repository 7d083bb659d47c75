"""Cases 7 and 8: load.

7. A burst far larger than the worker can take at once (a slow consumer): memory
   stays bounded (the backlog stays in Kafka, not in the worker), the lag is
   visible in ``repwatch_consumer_lag_records`` and drains, and the backlog does
   not make the watermark skip anything (no late drops).
8. A surge across many entities at once with a small RRM_MAX_ENTITY_LABELS: the
   metrics label cap holds and says so (``repwatch_entity_labels``,
   ``..._limit``, ``..._dropped_total``), while every entity's RiskEvents are
   still published exactly as in the offline replay.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.pipeline import run_offline
from streams.settings import load_settings
from streams.watchlist import load_watchlist
from tests.faults.harness import (
    SURGE,
    assert_same_events,
    encode,
    offline_events,
    produce_counted,
    read_risk,
    rss_mb,
    scenario,
    wait_settled,
)
from tests.integration.conftest import make_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def burst(copies: int) -> list[dict]:
    """The standard surge repeated ``copies`` times, 3 days apart, with fresh ids."""
    mentions, _ = scenario(*SURGE)
    out = []
    for c in range(copies):
        shift = timedelta(days=3 * c)
        for m in mentions:
            t = datetime.fromisoformat(m["created_at"].replace("Z", "+00:00")) + shift
            out.append({**m, "id": f"{m['id']}-c{c}", "created_at": t.isoformat().replace("+00:00", "Z")})
    return out


@pytest.mark.timeout(300)
def test_slow_consumer_burst_memory_bounded_lag_visible(broker, fault_workers, measure) -> None:
    topics = make_topics("burst")
    w = fault_workers(topics)
    w.start()
    time.sleep(2)
    rss0 = rss_mb(w.proc.pid)
    data = burst(6)
    recs, keys = encode(data)
    raw_mb = sum(len(r) for r in recs) / 2**20
    t0 = time.monotonic()
    produce_counted(broker.bootstrap, topics.input, recs, keys)
    produce_s = time.monotonic() - t0
    def lag_metric(p: int) -> str:
        return f"repwatch_consumer_lag_records{{partition={p},topic={topics.input}}}"

    samples = []
    while time.monotonic() - t0 < 30:
        m = w.metrics()
        lag = sum(m.get(lag_metric(p), 0) for p in range(4))
        samples.append((round(time.monotonic() - t0, 1), rss_mb(w.proc.pid), lag,
                        m.get("repwatch_mentions_consumed_total", 0), m.get("repwatch_mentions_late_dropped_total", 0)))
        time.sleep(1)
    peak = max(s[1] for s in samples)
    lags = [s[2] for s in samples]
    consumed = samples[-1][3]
    assert consumed < len(recs), "the burst outruns the worker (the case is a slow consumer)"
    assert max(lags) > len(recs) / 4, "the backlog shows up as consumer lag"
    assert lags[-1] < max(lags), "and the lag drains as the worker catches up"
    growth = peak - rss0
    # the backlog (tens of MB raw, several times that as Python objects) stays in Kafka
    assert growth < 150, f"worker memory grew {growth:.0f} MB under a {raw_mb:.0f} MB backlog"
    assert samples[-1][4] == 0, "a backlog is not idleness: nothing dropped as late"
    measure(burst_mentions=len(recs), burst_mb=round(raw_mb, 1), produce_s=round(produce_s, 1),
            rss_ready_mb=round(rss0), rss_peak_mb=round(peak), max_lag=max(lags), lag_end=lags[-1],
            consumed_in_30s=consumed, mentions_per_s=round(consumed / 30),
            samples_s_rss_lag=[s[:3] for s in samples[::6]])


ENTITIES = 30
CAP = 10


def many_entities_watchlist(path: Path) -> Path:
    lines = ["version: 1", "entities:"]
    for i in range(ENTITIES):
        lines += [f"  - id: brand-{i:02d}", f"    name: Zorblax {i:02d}", f"    team: team-{i % 3}",
                  f"    aliases: [zorblax{i:02d}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


def many_entities_surge(seed: int = 3) -> list[dict]:
    """1.5 days of quiet chatter for every entity, then all of them surge at once."""
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    onset = start + timedelta(hours=36)
    out = []
    texts = {"neu": "just got a zorblax{i} update, it is ok", "pos": "love my zorblax{i}, great support",
             "neg": "zorblax{i} broke again, awful"}
    for i in range(ENTITIES):
        t = start
        while t < onset:
            t += timedelta(seconds=rng.expovariate(4 / 3600))
            label = rng.choice(["neu", "neu", "pos", "neg"])
            out.append((t, texts[label].format(i=f"{i:02d}")))
        t = onset + timedelta(seconds=rng.uniform(0, 600))
        while t < onset + timedelta(hours=2):
            t += timedelta(seconds=rng.expovariate(150 / 3600))
            out.append((t, f"zorblax{i:02d} deleted everyone's data, terrible, disgusting, refund now"))
    out.sort()
    return [{"id": f"me-{n}", "platform": "twitter",
             "author": {"id": f"u{rng.randrange(5000)}", "handle": f"@u{n}", "followers": rng.randrange(10, 5000)},
             "text": text, "created_at": t.isoformat().replace("+00:00", "Z")} for n, (t, text) in enumerate(out)]


@pytest.mark.timeout(420)
def test_surge_across_many_entities_label_cap_holds(broker, fault_workers, tmp_path: Path, measure) -> None:
    wl = many_entities_watchlist(tmp_path / "many.yaml")
    mentions = many_entities_surge()
    reference = run_offline(mentions, load_settings(), watchlist=load_watchlist(wl))
    paged = {e.entity_id for e in reference.risk_events if e.severity in ("warning", "critical")}
    assert len(paged) > CAP, "the scenario really pages more entities than the label cap"

    topics = make_topics("labels")
    w = fault_workers(topics, RRM_WATCHLIST=str(wl), RRM_MAX_ENTITY_LABELS=str(CAP))
    w.start()
    recs, keys = encode(mentions)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys)
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    time.sleep(6)  # one more gauge export round (every 5 s)
    m = w.metrics()
    labelled = {k.split("entity=")[1].split(",")[0] for k in m if "entity=" in k}
    assert len(labelled) <= CAP, f"{len(labelled)} entities carry metric labels, cap is {CAP}"
    assert m["repwatch_entity_labels"] == CAP
    assert m["repwatch_entity_labels_limit"] == CAP
    assert m["repwatch_entity_labels_dropped_total"] > 0, "the cap says so"
    feed = read_risk(broker.bootstrap, topics.risk)
    assert_same_events(feed, offline_events(reference))
    live_paged = {e["entity_id"] for e in feed.by_id.values() if e["severity"] in ("warning", "critical")}
    assert live_paged == paged and len(live_paged) > CAP, "the cap limits metrics, never pages"
    measure(entities=ENTITIES, cap=CAP, mentions=len(recs), labelled=len(labelled), paged=len(live_paged),
            dropped_updates=m["repwatch_entity_labels_dropped_total"],
            first_event=min(e["window_start"] for e in feed.by_id.values()))
