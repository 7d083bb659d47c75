"""Pure aggregation: de-duplication, lateness, watermarks, bucket closing, events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from detectors import SurgeDetector
from streams.aggregate import (
    AggConfig,
    EntityInfo,
    apply_partial,
    close_ready,
    merge_watermark,
    new_entity_state,
    retire_if_idle,
)
from streams.enrich import WatermarkTracker, build_partials, id_hash, normalise_text
from streams.nlp import Sentiment
from streams.schemas import Author, Mention

T0 = int(datetime(2009, 7, 17, 12, 0, tzinfo=UTC).timestamp())
CFG = AggConfig(bucket_seconds=300, allowed_lateness=600)
INFO = EntityInfo(name="Amazon Kindle", team="comms-retail")


def row(mid: str, author: str = "a", label: int = -1, followers: int = 10, text: str = "bad") -> list:
    return [id_hash(mid), author, "@" + author, label, followers, id_hash(text) if label < 0 else 0]


def partial(bucket: int, rows: list, ev: list | None = None) -> dict:
    return {"k": "p", "e": "amazon-kindle", "b": bucket, "r": rows, "ev": ev or []}


def test_duplicates_count_once_across_partials() -> None:
    st = new_entity_state("amazon-kindle")
    s1 = apply_partial(st, partial(T0, [row("m1"), row("m2", "b", 1)]), CFG)
    s2 = apply_partial(st, partial(T0, [row("m1"), row("m3", "c", 0)]), CFG)  # m1 re-delivered
    b = st["open"][str(T0)]
    assert (s1.applied, s2.applied, s2.duplicates) == (2, 1, 1)
    assert (b["n"], b["neg"], b["pos"], b["neu"]) == (3, 1, 1, 1)


def test_events_after_close_are_late_and_dropped() -> None:
    st = new_entity_state("amazon-kindle")
    apply_partial(st, partial(T0, [row("m1")]), CFG)
    close_ready(st, T0 + 300, CFG, SurgeDetector(), INFO)
    assert st["closed"] == T0 + 300
    stats = apply_partial(st, partial(T0, [row("m9")]), CFG)
    assert stats.late == 1 and str(T0) not in st["open"]
    assert apply_partial(st, partial(T0 + 300, [row("m10")]), CFG).applied == 1  # next bucket still open


def test_close_emits_empty_buckets_for_gaps_in_order() -> None:
    st = new_entity_state("amazon-kindle")
    apply_partial(st, partial(T0, [row("m1")]), CFG)
    apply_partial(st, partial(T0 + 900, [row("m2")]), CFG)
    closed = close_ready(st, T0 + 1200, CFG, SurgeDetector(), INFO)
    assert [int(c.bucket.start.timestamp()) - T0 for c in closed] == [0, 300, 600, 900]
    assert [c.bucket.volume for c in closed] == [1, 0, 0, 1]
    assert st["open"] == {} and st["closed"] == T0 + 1200


def test_bucket_summary_counts_authors_and_copy_paste() -> None:
    st = new_entity_state("amazon-kindle")
    rows = [row(f"m{i}", author=f"bot{i % 2}", text="same text") for i in range(10)] + [row("x", "human", text="other")]
    apply_partial(st, partial(T0, rows), CFG)
    (c,) = close_ready(st, T0 + 300, CFG, SurgeDetector(), INFO)
    b = c.bucket
    assert (b.volume, b.unique_authors, b.top_author_count, b.unique_negative_texts) == (11, 3, 5, 2)


def test_evidence_is_top_reach_negative_posts_independent_of_arrival_order() -> None:
    def ev(mid: str, f: int) -> dict:
        return {"id": mid, "h": "@" + mid, "t": f"kindle deleted my books {mid}", "u": None, "f": f,
                "c": "2009-07-17T12:01:00+00:00"}

    posts = [("a", 5), ("b", 500), ("c", 50), ("d", 500)]
    orders = [posts, list(reversed(posts))]
    results = []
    for order in orders:
        st = new_entity_state("amazon-kindle")
        for mid, f in order:
            apply_partial(st, partial(T0, [row(mid, followers=f)], [ev(mid, f)]), CFG)
        results.append([e["id"] for e in st["open"][str(T0)]["ev"]])
    assert results[0] == results[1] == ["b", "d", "c", "a"]


def test_watermark_is_min_over_active_sources_and_max_when_all_idle() -> None:
    meta: dict = {}
    assert merge_watermark(meta, {"src": {"s0": 1000.0, "s1": 400.0}, "idle": []}, 100) == 300.0
    assert merge_watermark(meta, {"src": {"s0": 1100.0}, "idle": []}, 100) == 300.0  # s1 holds it back
    assert merge_watermark(meta, {"src": {"s1": 900.0}, "idle": []}, 100) == 800.0
    assert merge_watermark(meta, {"src": {}, "idle": ["s0", "s1"]}, 100) == 1000.0  # input went quiet
    # watermarks never go backwards
    assert merge_watermark(meta, {"src": {"s0": 50.0}, "idle": []}, 100) == 1000.0


def test_tracker_reports_idle_sources_by_wall_time() -> None:
    now = [0.0]
    tr = WatermarkTracker(idle_after=5, clock=lambda: now[0])
    tr.observe("mentions/0", 100.0)
    tr.observe("mentions/1", 50.0)
    now[0] = 3
    tr.observe("mentions/1", 60.0)
    now[0] = 6
    assert tr.tick() == {"k": "w", "src": {"mentions/0": 100.0, "mentions/1": 60.0}, "idle": ["mentions/0"]}


def test_a_pending_source_holds_the_watermark_until_it_reports_or_is_released() -> None:
    """An assigned input partition that has delivered nothing yet must not let the other
    partitions' event times close its buckets (a CI run dropped 3,803 mentions as late)."""
    meta: dict = {}
    assert merge_watermark(meta, {"src": {"s0": 1000.0}, "idle": []}, 100) == 900.0
    # s1 is assigned but has not delivered yet: s0 racing ahead does not move the watermark
    assert merge_watermark(meta, {"src": {"s0": 5000.0}, "idle": [], "pending": ["s1"]}, 100) == 900.0
    assert merge_watermark(meta, {"src": {"s0": 6000.0}, "idle": []}, 100) == 900.0  # another worker's tick
    # s1 delivers: min over both
    assert merge_watermark(meta, {"src": {"s0": 6000.0, "s1": 1200.0}, "idle": []}, 100) == 1100.0
    # released as idle (nothing to read): no longer held
    meta2: dict = {}
    assert merge_watermark(meta2, {"src": {}, "idle": [], "pending": ["s1"]}, 100) is None
    assert merge_watermark(meta2, {"src": {"s0": 800.0}, "idle": ["s1"]}, 100) == 700.0


def test_tracker_keeps_assigned_sources_pending_until_they_deliver_or_are_empty() -> None:
    now = [0.0]
    tr = WatermarkTracker(idle_after=5, clock=lambda: now[0], stale_after=60)
    tr.assign(["mentions/0", "mentions/1", "mentions/2"])
    tr.observe("mentions/0", 100.0)
    hw = {"mentions/1": 40, "mentions/2": 7}.get  # 1 has records to read; 2 is empty at its start offset 7
    start = {"mentions/2": 7}.get
    assert tr.tick(hw, start) == {"k": "w", "src": {"mentions/0": 100.0}, "idle": [],
                                  "pending": ["mentions/1", "mentions/2"]}
    now[0] = 6
    tick = tr.tick(hw, start)
    assert tick is not None and tick["pending"] == ["mentions/1"] and "mentions/2" in tick["idle"]
    tr.observe("mentions/1", 90.0)
    tick = tr.tick(hw, start)
    assert tick is not None and "pending" not in tick and tick["src"]["mentions/1"] == 90.0
    tr.assign(["mentions/3"])  # unknown high watermark: released only after stale_after
    now[0] = 30
    assert tr.tick(lambda s: None, start)["pending"] == ["mentions/3"]  # type: ignore[index]
    now[0] = 67
    assert "pending" not in tr.tick(lambda s: None, start)  # type: ignore[operator]
    # offline (no high watermarks at all): nothing waits
    off = WatermarkTracker(idle_after=5, clock=lambda: 0.0)
    off.assign(["mentions/0"])
    off.observe("mentions/1", 10.0)
    assert off.tick() == {"k": "w", "src": {"mentions/1": 10.0}, "idle": []}


def test_a_source_released_as_empty_is_held_again_when_records_arrive() -> None:
    """A worker that starts before the input does releases its empty partitions; when records
    come, the partition delivered first must not carry the watermark past the others' first
    records (a CI run of the burst case dropped 3,965 mentions as late). Tracker and merge
    together, as the worker and the aggregator use them."""
    now = [0.0]
    tr = WatermarkTracker(idle_after=2, clock=lambda: now[0], stale_after=60)
    meta: dict = {}

    def tick() -> float | None:
        t = tr.tick(hw.get)
        if t is not None:
            return merge_watermark(meta, t, 100)
        return meta["wm"] - 100 if "wm" in meta else None

    tr.assign(["mentions/0", "mentions/1", "mentions/2"])
    hw = {"mentions/0": 0, "mentions/1": 0, "mentions/2": 0}
    assert tick() is None and meta["pending"] == ["mentions/0", "mentions/1", "mentions/2"]
    # all empty: released, and the aggregator is told (a partition that never gets a record
    # must hold nothing back)
    now[0] = 3
    assert tick() is None and meta["pending"] == [] and len(meta["idle"]) == 3
    # records arrive on 0 and 1 (2 stays empty); 0 is delivered first, far ahead in event time
    hw.update({"mentions/0": 500, "mentions/1": 480})
    now[0] = 4
    tr.observe("mentions/0", 5000.0)
    tr.delivered("mentions/0", 499)
    assert tick() is None, "the watermark waits for mentions/1"
    assert meta["pending"] == ["mentions/1"]
    now[0] = 20  # held while it has records it has not delivered (not stale yet)
    assert tick() is None
    tr.observe("mentions/1", 1200.0)
    tr.delivered("mentions/1", 10)
    assert tick() == 1100.0  # min over 0 and 1; 2 is still empty and idle
    assert "mentions/2" in meta["idle"]


def test_a_source_that_delivered_only_invalid_records_is_not_held_for_stale_after() -> None:
    now = [0.0]
    tr = WatermarkTracker(idle_after=2, clock=lambda: now[0], stale_after=60)
    tr.assign(["mentions/0"])
    tr.delivered("mentions/0", 9)  # ten poison records, nothing valid
    now[0] = 3
    assert tr.tick({"mentions/0": 10}.get) == {"k": "w", "src": {}, "idle": ["mentions/0"]}


def _mention(mid: str, text: str, minute: int) -> Mention:
    return Mention(
        id=mid, platform="twitter", author=Author(id="u" + mid, handle="@u" + mid, followers=3), text=text,
        created_at=datetime(2009, 7, 17, 12, minute, tzinfo=UTC),
    )


def test_build_partials_groups_per_entity_and_bucket() -> None:
    from streams.enrich import EnrichedMention
    from streams.nlp import EntityHit

    hits = (EntityHit("amazon-kindle", "kindle", 0, 6),)
    ems = [
        EnrichedMention(_mention(str(i), "kindle bad", i * 2), hits, Sentiment(-1, -0.5), 0.0)
        for i in range(6)
    ]
    ems = [EnrichedMention(e.mention, e.entities, e.sentiment, e.mention.created_at.timestamp()) for e in ems]
    parts = build_partials(ems, 300)
    assert sorted((p["e"], p["b"] - T0, len(p["r"])) for p in parts) == [
        ("amazon-kindle", 0, 3), ("amazon-kindle", 300, 2), ("amazon-kindle", 600, 1)
    ]


def test_normalise_text_collapses_copy_paste_variants() -> None:
    assert normalise_text("Tesla is a FRAUD!! http://bit.ly/x @bob") == "tesla is a fraud"


# --------------------------------------------------------------------------- retiring discovered entities
TTL_CFG = AggConfig(bucket_seconds=300, allowed_lateness=600, discovered_ttl=3600)
DISC = EntityInfo(name="Acme Widget", team="", watchlisted=False)


def discovered(bucket: int, rows: list) -> dict:
    return {"k": "p", "e": "discovered:product:acme widget", "b": bucket, "r": rows, "ev": [],
            "n": "Acme Widget", "src": "ner"}


def test_a_silent_discovered_entity_is_retired_but_a_watchlist_entity_never() -> None:
    det = SurgeDetector()
    disc, watched = new_entity_state("discovered:product:acme widget"), new_entity_state("amazon-kindle")
    apply_partial(disc, discovered(T0, [row("m1")]), TTL_CFG)
    apply_partial(watched, partial(T0, [row("m1")]), TTL_CFG)
    for horizon in range(T0 + 300, T0 + 3600 + 1, 300):
        close_ready(disc, horizon, TTL_CFG, det, DISC)
        close_ready(watched, horizon, TTL_CFG, det, INFO)
        retired = retire_if_idle(disc, TTL_CFG)
        assert retired == (horizon == T0 + 3600), horizon  # closed >= the last mention's bucket + TTL
        assert not retire_if_idle(watched, TTL_CFG)
    assert disc["gc"] and disc["det"] is None and disc["open"] == {} and disc["seen"] == T0
    assert len(json.dumps(disc)) < 200
    assert watched["det"] is not None and "gc" not in watched


def test_retiring_changes_no_result() -> None:
    """A retired entity and the same entity kept (stepped through its silence) agree on
    every later partial: late ones are late in both, the next one restarts both afresh."""
    det = SurgeDetector()
    kept, retired = (new_entity_state("discovered:product:acme widget") for _ in range(2))
    for st in (kept, retired):
        apply_partial(st, discovered(T0, [row("m1"), row("m2", "b")]), TTL_CFG)
        close_ready(st, T0 + 3600, TTL_CFG, det, DISC)
    assert retire_if_idle(retired, TTL_CFG) and not kept.get("gc")
    close_ready(kept, T0 + 3 * 3600, TTL_CFG, det, DISC)  # the kept one goes on closing empty buckets

    late = discovered(T0 + 1800, [row("m3")])  # behind both states' closed buckets, within the TTL
    assert apply_partial(kept, late, TTL_CFG).late == apply_partial(retired, late, TTL_CFG).late == 1

    back = discovered(T0 + 3600, [row("m4")])  # a TTL after the last mention: a fresh start, in both
    sk, sr = apply_partial(kept, back, TTL_CFG), apply_partial(retired, back, TTL_CFG)
    assert sk.revived and sr.revived and sk.applied == sr.applied == 1
    assert kept == retired
    fresh = new_entity_state("discovered:product:acme widget")
    apply_partial(fresh, back, TTL_CFG)
    assert kept == fresh
    a = [c.bucket for c in close_ready(kept, T0 + 2 * 3600, TTL_CFG, det, DISC)]
    b = [c.bucket for c in close_ready(retired, T0 + 2 * 3600, TTL_CFG, det, DISC)]
    assert a == b and a[0].volume == 1


def test_the_last_bucket_summary_follows_the_incident_not_the_bucket() -> None:
    """The metrics (and so the reputation alerts) read `last`: the open incident and its peak
    severity; the `resolved` bucket names the incident it closed but leaves none open."""
    from datetime import UTC, datetime, timedelta

    from detectors import Assessment, Bucket, Severity, Transition
    from streams.aggregate import _summary

    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    b = Bucket("acme", t0, t0 + timedelta(minutes=5), volume=10, negative=8)

    def a(sev: Severity, transition: Transition | None, inc: str | None, peak: Severity | None) -> Assessment:
        return Assessment("acme", b.start, b.end, 50.0, sev, 2.0, 1.0, incident_id=inc, transition=transition,
                          incident_severity=peak, incident_since=t0 if inc else None)

    held = _summary(b, a(Severity.WATCH, None, "acme@x", Severity.CRITICAL))
    assert held["incident"] == "acme@x" and held["isev"] == "critical" and held["sev"] == "watch"
    done = _summary(b, a(Severity.OK, Transition.RESOLVED, "acme@x", Severity.CRITICAL))
    assert done["incident"] is None and done["isev"] == "ok"
    quiet = _summary(b, a(Severity.OK, None, None, None))
    assert quiet["incident"] is None and quiet["isev"] == "ok"


# --- author memory: Bucket.negative_voices --------------------------------------------------------


def close_voices(buckets: dict[int, list[tuple[str, int]]], cfg: AggConfig = CFG, *, reverse: bool = False
                 ) -> tuple[dict, list[float]]:
    """Close buckets ``{bucket index: [(author, negative posts)]}`` in order; return the entity
    state and every closed bucket's ``negative_voices``. ``reverse`` feeds each bucket's rows
    in the opposite order."""
    st = new_entity_state("amazon-kindle")
    voices: list[float] = []
    for i in sorted(buckets):
        rows = [row(f"m{i}-{a}-{k}", a, text=f"t{i}-{a}-{k}") for a, n in buckets[i] for k in range(n)]
        apply_partial(st, partial(T0 + 300 * i, rows[::-1] if reverse else rows), cfg)
        for c in close_ready(st, T0 + 300 * (i + 1), cfg, SurgeDetector(), INFO):
            assert c.bucket.negative_voices is not None
            voices.append(c.bucket.negative_voices)
    return st, voices


def test_authors_heard_from_every_bucket_are_not_new_voices() -> None:
    accounts = [f"bot{k}" for k in range(6)]
    _, voices = close_voices({i: [(a, 1) for a in accounts] for i in range(12)})
    assert voices[0] == 6.0  # six accounts nobody heard from yet: six voices
    assert voices[1] < 0.5  # 5 minutes later the same six are ~0.06 of a voice each
    assert max(voices[2:]) == 0.0


def test_a_crowd_of_different_authors_counts_in_full() -> None:
    _, voices = close_voices({i: [(f"u{i}-{k}", 1) for k in range(6)] for i in range(12)})
    assert voices == [6.0] * 12


def test_an_author_back_after_two_hours_is_three_quarters_of_a_voice() -> None:
    _, voices = close_voices({0: [("a", 1)], 24: [("a", 1), ("b", 1)]})
    assert voices[0] == 1.0 and voices[24] == 1.75  # one-hour half-life: 1 - 2**-2 for a, 1 for b
    assert all(v == 0.0 for v in voices[1:24])  # empty buckets have no negative authors


def test_several_posts_in_one_bucket_are_one_voice_and_are_remembered() -> None:
    st, voices = close_voices({0: [("a", 3)], 1: [("a", 1)]})
    assert voices[0] == 1.0 and voices[1] == 0.0  # remembered as 3 posts: no longer a new voice
    assert st["va"]["a"]["a"] > 3.0


def test_the_memory_is_bounded_keeps_frequent_posters_and_ignores_arrival_order() -> None:
    cfg = AggConfig(bucket_seconds=300, allowed_lateness=600, voice_memory=4)
    # the accounts post 2 each per bucket, half the stream: above 1 / (memory + 1) of it, which is
    # what a Misra-Gries summary of 4 counters is guaranteed to keep
    buckets = {i: [(f"bot{k}", 2) for k in range(3)] + [(f"u{i}-{k}", 1) for k in range(6)] for i in range(8)}
    st, voices = close_voices(buckets, cfg)
    st_r, voices_r = close_voices(buckets, cfg, reverse=True)
    remembered = st["va"]["a"]
    assert len(remembered) <= 4
    assert {"bot0", "bot1", "bot2"} <= set(remembered)  # the accounts that keep posting stay
    assert 6.0 <= voices[-1] < 6.5  # ... so they stop counting, while the crowd's one-off authors count in full
    assert voices == voices_r and remembered == st_r["va"]["a"]
    assert json.loads(json.dumps(st)) == st  # the memory lives in the changelog-backed table


def test_the_memory_forgets_in_quiet_periods() -> None:
    st, voices = close_voices({0: [(f"a{k}", 2) for k in range(50)], 72: [("b", 1)]})  # 6 hours later
    assert voices[72] == 1.0
    assert set(st["va"]["a"]) == {"b"}  # decayed below 0.05 posts: dropped
