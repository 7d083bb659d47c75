"""Property tests of the surge detector (hypothesis): monotone, serialisable, deterministic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import Bucket, DetectorState, Sensitivity, Severity, SurgeDetector, Transition

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
W = timedelta(minutes=5)
DET = SurgeDetector()

counts = st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
histories = st.lists(counts, min_size=1, max_size=80)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bucket(i: int, neg: int, pos: int, neu: int, *, authors: int | None = None, voices: float | None = None
           ) -> Bucket:
    vol = neg + pos + neu
    ua = neg if authors is None else min(authors, neg)
    return Bucket(
        entity_id="e",
        start=T0 + i * W,
        end=T0 + (i + 1) * W,
        volume=vol,
        negative=neg,
        positive=pos,
        neutral=neu,
        reach=50.0 * vol,
        negative_reach=50.0 * neg,
        unique_authors=vol,
        unique_negative_authors=ua,
        top_author_count=1 if vol else 0,
        unique_negative_texts=ua,
        negative_voices=None if voices is None else min(voices, ua),
    )


def history_state(history: list[tuple[int, int, int]], *, warm: bool) -> DetectorState:
    state = DET.new_state()
    if warm:
        state.history_s = 10 * 3600.0  # as if the warm-up were behind us
    for i, c in enumerate(history):
        state, _ = DET.step(state, bucket(i, *c))
    return state


@PROPS
@given(history=histories, now=counts, extra=st.integers(1, 500), warm=st.booleans(),
       mult=st.sampled_from([0.5, 1.0, 2.0]))
def test_more_negative_volume_never_lowers_risk(history: list[tuple[int, int, int]], now: tuple[int, int, int],
                                                extra: int, warm: bool, mult: float) -> None:
    state = history_state(history, warm=warm)
    i = len(history)
    sens = Sensitivity(multiplier=mult)
    _, base = DET.step(state, bucket(i, *now), sens)
    _, more = DET.step(state, bucket(i, now[0] + extra, now[1], now[2]), sens)
    assert more.score >= base.score
    assert more.severity.rank >= base.severity.rank


@PROPS
@given(history=histories, now=counts, authors=st.integers(1, 5), extra=st.integers(1, 300))
def test_more_posts_from_the_same_few_authors_never_lowers_risk(
        history: list[tuple[int, int, int]], now: tuple[int, int, int], authors: int, extra: int) -> None:
    state = history_state(history, warm=True)
    i = len(history)
    neg = max(now[0], authors)
    _, base = DET.step(state, bucket(i, neg, now[1], now[2], authors=authors))
    _, more = DET.step(state, bucket(i, neg + extra, now[1], now[2], authors=authors))
    assert more.score >= base.score


@PROPS
@given(history=histories, now=counts, voices=st.floats(0, 40), extra=st.integers(1, 300), new=st.integers(0, 300),
       warm=st.booleans())
def test_more_negative_posts_never_lower_risk_whether_or_not_their_authors_were_heard_before(
        history: list[tuple[int, int, int]], now: tuple[int, int, int], voices: float, extra: int, new: int,
        warm: bool) -> None:
    # ``extra`` more negative posts, ``new`` of them (at most) by authors not heard from this hour
    state = history_state(history, warm=warm)
    i = len(history)
    _, base = DET.step(state, bucket(i, now[0], now[1], now[2], voices=voices))
    more_voices = min(voices, now[0]) + min(new, extra)
    _, more = DET.step(state, bucket(i, now[0] + extra, now[1], now[2], voices=more_voices))
    assert more.score >= base.score
    assert more.severity.rank >= base.severity.rank


@PROPS
@given(history=histories)
def test_state_round_trips_through_json(history: list[tuple[int, int, int]]) -> None:
    state = history_state(history, warm=False)
    restored = DetectorState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    nxt = bucket(len(history), 30, 2, 2)
    assert DET.step(state, nxt) == DET.step(restored, nxt)


@PROPS
@given(history=histories)
def test_replay_is_deterministic_and_scores_are_bounded(history: list[tuple[int, int, int]]) -> None:
    def replay() -> list[object]:
        state = DET.new_state()
        out = []
        for i, c in enumerate(history):
            state, a = DET.step(state, bucket(i, *c))
            assert 0.0 <= a.score <= 100.0
            out.append(a)
        return out

    assert replay() == replay()


@PROPS
@given(history=st.lists(counts, min_size=1, max_size=35))
def test_no_page_during_warm_up(history: list[tuple[int, int, int]]) -> None:
    """35 five-minute buckets < 3 h of history: whatever the counts, nothing pages."""
    state = DET.new_state()
    for i, c in enumerate(history):
        state, a = DET.step(state, bucket(i, *c))
        assert a.severity.rank < Severity.WARNING.rank
        assert a.transition is not Transition.OPENED
