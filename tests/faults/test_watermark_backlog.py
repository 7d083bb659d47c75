"""Pure regression test for the first bug the fault suite found: a mentions partition
that is silent because the worker is *behind* on it (backlog, slow consumer, replay
after a restart) must not be reported idle, or the watermark jumps past its unread
records and they are dropped as late (see docs/faults.md, case 7)."""

from __future__ import annotations

from streams.enrich import WatermarkTracker


def _tracker(now: list[float]) -> WatermarkTracker:
    return WatermarkTracker(idle_after=2, clock=lambda: now[0], stale_after=60)


def test_backlogged_source_is_not_idle_but_caught_up_one_is() -> None:
    now = [0.0]
    tr = _tracker(now)
    hw = {"m/0": 1000, "m/1": 11}
    for src, off, ts in (("m/0", 9, 100.0), ("m/1", 10, 5000.0)):
        tr.observe(src, ts)
        tr.delivered(src, off)
    now[0] = 5.0  # both silent for 5 s of wall time
    tick = tr.tick(hw.get)
    # m/0 has 990 unread records: still holding the watermark back; m/1 is caught up.
    assert tick == {"k": "w", "src": {"m/0": 100.0, "m/1": 5000.0}, "idle": ["m/1"]}
    # without offsets information the old behaviour (wall-time idleness) is kept
    assert tr.tick()["idle"] == ["m/0", "m/1"]


def test_backlog_drained_makes_source_idle_and_stale_guard_applies() -> None:
    now = [0.0]
    tr = _tracker(now)
    tr.observe("m/0", 100.0)
    tr.delivered("m/0", 9)
    now[0] = 3.0
    assert tr.tick({"m/0": 50}.get)["idle"] == []
    tr.delivered("m/0", 49)  # a rejected (DLQ) record still counts as delivered
    now[0] = 6.0
    assert tr.tick({"m/0": 50}.get)["idle"] == ["m/0"]
    # a high watermark that never catches up (e.g. a transaction marker) stops
    # blocking once the source has been silent for stale_after
    tr2 = _tracker(now)
    tr2.observe("m/0", 1.0)
    tr2.delivered("m/0", 0)
    now[0] += 30
    assert tr2.tick({"m/0": 2}.get)["idle"] == []
    now[0] += 31
    assert tr2.tick({"m/0": 2}.get)["idle"] == ["m/0"]


def test_forget_drops_offsets_and_sources_with_only_bad_records_are_not_reported() -> None:
    now = [0.0]
    tr = _tracker(now)
    tr.delivered("m/3", 5)  # only DLQ records seen: no event time, no watermark
    now[0] = 10
    assert tr.tick({"m/3": 6}.get) is None
    tr.observe("m/0", 1.0)
    tr.delivered("m/0", 0)
    tr.forget(["m/0", "m/3"])
    assert tr.tick() is None
