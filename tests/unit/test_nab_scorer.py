"""The NAB scorer: NAB's published reference figures, and small hand-checked cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from streams.evaluation.nab import (
    PROFILES,
    REWARD_LOW_FN,
    REWARD_LOW_FP,
    STANDARD,
    Corpus,
    load_corpus,
    normalise,
    probationary_length,
    read_profiles,
    scaled_sigmoid,
    score_at,
    scores_by_threshold,
    sweep_rows,
)

NAB_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nab-realtweets"


def test_scaled_sigmoid_shape() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.9866, abs=1e-4)  # window start
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)  # window end
    assert scaled_sigmoid(3.5) == -1.0  # far after a window
    assert scaled_sigmoid(0.5) < 0


def test_probation_is_15_percent_capped_at_750_rows() -> None:
    assert probationary_length(1000) == 150
    assert probationary_length(15_900) == 750


def _corpus(scores: list[float], windows: list[tuple[int, int]]) -> Corpus:
    return Corpus(scores={"f.csv": scores}, windows={"f.csv": windows})


def test_early_detection_earns_more_than_late() -> None:
    n = 2000
    early = [0.0] * n
    late = [0.0] * n
    early[1000] = 1.0  # first row of the window
    late[1099] = 1.0  # last row of the window
    e = _corpus(early, [(1000, 1099)]).evaluate(STANDARD, 0.5)
    lt = _corpus(late, [(1000, 1099)]).evaluate(STANDARD, 0.5)
    assert e.fixed is not None and lt.fixed is not None
    assert e.fixed.score == pytest.approx(1.0)  # tpWeight at the window start
    assert 0.0 < lt.fixed.score < 0.1
    assert e.fixed_normalised == pytest.approx(100.0)


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    s = [0.0] * 2000
    s[1000] = s[1050] = s[1090] = 1.0
    r = _corpus(s, [(1000, 1099)]).evaluate(STANDARD, 0.5)
    assert r.fixed is not None
    assert r.fixed.score == pytest.approx(1.0)
    assert r.fixed.tp == 3 and r.fixed.windows_hit == 1


def test_false_positive_costs_full_weight_before_first_window_and_less_just_after() -> None:
    before = [0.0] * 2000
    before[800] = 1.0  # after probation (300 rows), before the window
    after = [0.0] * 2000
    after[1101] = 1.0  # just after the window
    b = _corpus(before, [(1000, 1099)]).evaluate(STANDARD, 0.5)
    a = _corpus(after, [(1000, 1099)]).evaluate(STANDARD, 0.5)
    assert b.fixed is not None and a.fixed is not None
    assert b.fixed.score == pytest.approx(-1.0 - 0.11)  # missed window + one full FP
    assert -1.0 - 0.11 < a.fixed.score < -1.0  # near the window: cheaper FP


def test_detections_in_probation_are_ignored_and_null_scores_zero() -> None:
    s = [0.0] * 2000
    s[10] = 1.0  # probationary row
    r = _corpus(s, [(1000, 1099)]).evaluate(STANDARD, 0.5)
    assert r.fixed is not None and r.fixed.fp == 0
    assert r.fixed_normalised == pytest.approx(0.0)
    assert normalise(-1.0, 1, STANDARD) == 0.0


def test_threshold_table_matches_direct_scoring() -> None:
    s = [0.0] * 2000
    s[800], s[1020], s[1500] = 0.9, 0.7, 0.8
    rows = sweep_rows("f.csv", s, [(1000, 1099)], STANDARD)
    table = scores_by_threshold(rows, STANDARD)
    assert [t.threshold for t in table][:4] == [math.inf, 0.9, 0.8, 0.7]
    at_07 = score_at(table, 0.7)
    assert at_07.fp == 2 and at_07.windows_hit == 1
    assert score_at(table, 0.75).fp == 2 and score_at(table, 0.75).windows_hit == 0


@pytest.mark.skipif(not NAB_DIR.is_dir(), reason=f"shared NAB data not present at {NAB_DIR}")
def test_reproduces_numenta_htm_reference_figures() -> None:
    """README of ../shared/data/nab-realtweets: standard 67.39 (threshold 0.959451,
    12 of 16 windows, 12 false-positive rows), reward_low_FP 63.78, reward_low_FN 69.93."""
    corpus = load_corpus(NAB_DIR / "reference-numenta", NAB_DIR / "windows.json")
    assert [p.name for p in read_profiles(NAB_DIR / "profiles.json")] == [p.name for p in PROFILES]
    std = corpus.evaluate(STANDARD)
    assert round(std.best_normalised, 2) == 67.39
    assert std.best.threshold == pytest.approx(0.959451, abs=1e-6)
    assert (std.best.windows_hit, std.best.windows, std.best.fp) == (12, 16, 12)
    assert round(corpus.evaluate(REWARD_LOW_FP).best_normalised, 2) == 63.78
    assert round(corpus.evaluate(REWARD_LOW_FN).best_normalised, 2) == 69.93
