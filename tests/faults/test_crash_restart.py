"""Cases 1-3: the worker is killed (-9) three times mid-surge, restarted gracefully
(SIGTERM) mid-bucket, and scaled out and in during a surge. Each time the run must
publish exactly the undisturbed run's RiskEvents (the same event ids, the same
contents; re-publications only as byte-identical copies of the same ``event_id``)
and end with exactly the undisturbed entity state in the changelog-backed table --
nothing lost, nothing counted twice."""

from __future__ import annotations

import time

import pytest

from tests.faults.harness import (
    SURGE,
    Background,
    assert_one_incident_per_page,
    assert_same_events,
    assert_same_states,
    encode,
    iso,
    offline_events,
    offline_reference,
    produce_counted,
    read_risk,
    read_table,
    scenario,
    split_at,
    ts,
    wait_settled,
    wait_until,
    wait_watermark,
)
from tests.integration.conftest import make_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def check_outcome(bootstrap: str, topics, name: str, scale: float, truth: dict) -> tuple:
    ref = offline_reference(name, scale)
    feed = read_risk(bootstrap, topics.risk)
    assert_same_events(feed, offline_events(ref))
    assert_same_states(read_table(bootstrap, topics.app_id, "entity-state"), ref.states)
    target = truth["entity_id"]
    # no false page = nothing the undisturbed run does not publish (the equality above);
    # the true page still comes
    assert any(e["entity_id"] == target and e["severity"] == "critical" for e in feed.by_id.values())
    assert_one_incident_per_page(feed, target)
    return feed, ref


@pytest.mark.timeout(420)
def test_undisturbed_live_run_is_the_reference(broker, fault_workers, measure) -> None:
    """The reference the other cases compare to: one live, undisturbed run of the
    surge gives exactly the offline replay's events and final state."""
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    topics = make_topics("undisturbed")
    w = fault_workers(topics)
    t0 = time.monotonic()
    w.start()
    ready = time.monotonic() - t0
    recs, keys = encode(mentions)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys)
    t1 = time.monotonic()
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    feed, _ = check_outcome(broker.bootstrap, topics, name, scale, truth)
    m = w.metrics()
    assert m["repwatch_mentions_processed_total"] == len(mentions)
    assert m["repwatch_mentions_late_dropped_total"] == 0
    measure(mentions=len(mentions), first_start_s=round(ready, 1), drain_and_settle_s=round(time.monotonic() - t1, 1),
            events=len(feed.by_id), copies=len(feed.raw))


@pytest.mark.timeout(600)
def test_kill9_three_times_mid_surge(broker, fault_workers, measure) -> None:
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    onset = ts(truth["onset"])
    topics = make_topics("kill9")
    w = fault_workers(topics)
    w.start()
    recs, keys = encode(mentions)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys)
    restarts = []
    # just after the page would open, while it escalates, and on the wave's tail
    for at in (onset + 20 * 60, onset + 60 * 60, onset + 4 * 3600):
        wait_watermark(w, at)
        w.stop("kill")
        t0 = time.monotonic()
        w.start()
        ready = time.monotonic() - t0
        wait_until(lambda: (w.metrics().get("repwatch_mentions_consumed_total") or 0) > 0, 120,
                   "the restarted worker to consume again", on_timeout=w.log_tail)
        restarts.append({"ready_s": round(ready, 1), "consuming_s": round(time.monotonic() - t0, 1)})
    t1 = time.monotonic()
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    feed, ref = check_outcome(broker.bootstrap, topics, name, scale, truth)
    measure(restarts=restarts, settle_after_last_restart_s=round(time.monotonic() - t1, 1),
            events=len(ref.risk_events), copies_on_topic=len(feed.raw), duplicate_copies=feed.duplicates)


@pytest.mark.timeout(420)
def test_sigterm_restart_mid_bucket(broker, fault_workers, measure) -> None:
    """Graceful stop in the middle of an open 5-minute bucket of the surge, restart."""
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    onset = ts(truth["onset"])
    topics = make_topics("sigterm")
    w = fault_workers(topics)
    w.start()
    recs, keys = encode(mentions)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys)
    wm = wait_watermark(w, onset + 17.5 * 60)  # the stop lands inside an open 5-min bucket of the wave
    t0 = time.monotonic()
    w.stop("term")
    stopped = time.monotonic() - t0
    exit_code = w.proc.returncode
    t1 = time.monotonic()
    w.start()
    ready = time.monotonic() - t1
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    feed, _ = check_outcome(broker.bootstrap, topics, name, scale, truth)
    assert exit_code is not None
    measure(stopped_at_event_time=iso(wm), graceful_stop_s=round(stopped, 1), exit_code=exit_code,
            restart_ready_s=round(ready, 1), duplicate_copies=feed.duplicates)


@pytest.mark.timeout(600)
def test_scale_out_and_in_during_surge(broker, fault_workers, measure) -> None:
    """Two workers; a second joins while the surge is flowing in (rebalance), later
    the first leaves (rebalance again, its partitions and table state move). The
    incident stays one incident: no resolve-then-refire, no second 'opened'."""
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    onset = ts(truth["onset"])
    topics = make_topics("rebalance")
    a = fault_workers(topics)
    b = fault_workers(topics)
    a.start()
    recs, keys = encode(mentions)
    cut = split_at(mentions, onset - 30 * 60)
    produced = produce_counted(broker.bootstrap, topics.input, recs[:cut], keys[:cut])
    wait_watermark(a, onset - 60 * 60)
    # the surge arrives live, paced over ~40 s, while the group changes under it
    surge = Background(lambda: produce_counted(broker.bootstrap, topics.input, recs[cut:], keys[cut:],
                                               rate=(len(recs) - cut) / 40))
    t0 = time.monotonic()
    b.start()
    join = time.monotonic() - t0
    metric = f"repwatch_assigned_partitions{{topic={topics.input}}}"

    def split() -> dict | None:
        got = {"a": a.metrics().get(metric) or 0, "b": b.metrics().get(metric) or 0}
        return got if got["a"] > 0 and got["b"] > 0 else None

    # the rebalance split the input partitions between the two (the gauge is refreshed every 5 s)
    shared = wait_until(split, 120, "the input partitions to be split between both workers",
                        on_timeout=lambda: a.log_tail(10) + "\n" + b.log_tail(10))
    wm_b = wait_watermark(b, onset + 30 * 60)
    t1 = time.monotonic()
    a.stop("term")  # scale in: a leaves during the surge
    leave = time.monotonic() - t1
    produced += surge.result()
    wait_settled(broker.bootstrap, [b], topics.app_id, topics.input, produced)
    feed, _ = check_outcome(broker.bootstrap, topics, name, scale, truth)
    measure(join_ready_s=round(join, 1), input_partitions_after_join=shared, a_left_at_event_time=iso(wm_b),
            leave_s=round(leave, 1), duplicate_copies=feed.duplicates)
