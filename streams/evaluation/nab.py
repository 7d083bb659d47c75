"""Numenta Anomaly Benchmark (NAB v1.1) scoring, re-implemented in pure Python.

Follows NAB's ``nab/sweeper.py`` and ``nab/runner.py`` semantics:

* per file, the first ``min(floor(0.15 * rows), 750)`` rows are probationary and ignored;
* every row gets a *sweep score*: inside a labelled window a scaled sigmoid of its
  position (earliest = ``tpWeight``, the window's right edge ~ 0); outside a window
  ``-fpWeight`` scaled by a sigmoid of its distance after the previous window (full
  cost before the first window);
* at a threshold ``t`` every row with ``score >= t`` is a detection; a window earns the
  sweep score of its *earliest* detection, or ``-fnWeight`` if it has none; each
  detection outside a window adds its (negative) sweep score;
* the raw score is summed over files and normalised so that the null detector scores
  0 and the perfect detector 100; NAB optimises one threshold over the whole corpus.

The module is verified against NAB's published HTM figures (see
``tests/unit/test_nab_scorer.py``).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

PROBATION_PERCENT = 0.15


@dataclass(frozen=True)
class CostMatrix:
    """One NAB application profile."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


STANDARD = CostMatrix("standard", 1.0, 0.11, 1.0)
REWARD_LOW_FP = CostMatrix("reward_low_FP_rate", 1.0, 0.22, 1.0)
REWARD_LOW_FN = CostMatrix("reward_low_FN_rate", 1.0, 0.11, 2.0)
PROFILES: tuple[CostMatrix, ...] = (STANDARD, REWARD_LOW_FP, REWARD_LOW_FN)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def scaled_sigmoid(relative_position: float) -> float:
    """NAB's reward curve: +~1 at the window's start, 0 at its end, -> -1 far after it."""
    if relative_position > 3.0:
        return -1.0
    return 2.0 * _sigmoid(-5.0 * relative_position) - 1.0


_MAX_TP = scaled_sigmoid(-1.0)


def probationary_length(rows: int, percent: float = PROBATION_PERCENT) -> float:
    return min(math.floor(percent * rows), percent * 5000)


class Row(NamedTuple):
    """One scored row: its anomaly score, sweep score and window (None outside windows)."""

    index: int
    anomaly_score: float
    sweep_score: float
    window: tuple[str, int] | None  # (file, window number); None = outside any window
    probationary: bool


def window_indices(timestamps: Sequence[datetime], windows: Sequence[tuple[datetime, datetime]]) -> list[
    tuple[int, int]
]:
    """Map ``(start, end)`` window limits to inclusive row-index ranges."""
    out: list[tuple[int, int]] = []
    for lo, hi in windows:
        left = next((i for i, t in enumerate(timestamps) if t >= lo), None)
        right = next((i for i in range(len(timestamps) - 1, -1, -1) if timestamps[i] <= hi), None)
        if left is None or right is None or right < left:
            continue
        out.append((left, right))
    return out


def sweep_rows(
    name: str,
    anomaly_scores: Sequence[float],
    windows: Sequence[tuple[int, int]],
    cost: CostMatrix,
) -> list[Row]:
    """Sweep scores of every row of one file (NAB ``Sweeper.calcSweepScore``)."""
    n = len(anomaly_scores)
    prob = probationary_length(n)
    pending = sorted(windows)
    cur: tuple[int, int] | None = None
    cur_no = -1
    prev_right: int | None = None
    prev_width = 0.0
    rows: list[Row] = []
    for i, score in enumerate(anomaly_scores):
        if cur is None and pending and i >= pending[0][0]:
            cur = pending.pop(0)
            cur_no += 1
        if cur is not None:
            width = float(cur[1] - cur[0] + 1)
            position = -(cur[1] - i + 1) / width
            sweep = scaled_sigmoid(position) * cost.tp_weight / _MAX_TP
        elif prev_right is None:
            sweep = -1.0 * cost.fp_weight
        else:
            past = abs(prev_right - i) / (prev_width - 1.0)
            sweep = scaled_sigmoid(past) * cost.fp_weight
        rows.append(
            Row(i, float(score), sweep, (name, cur_no) if cur is not None else None, i < prob)
        )
        if cur is not None and i == cur[1]:
            prev_right = i
            prev_width = float(cur[1] - cur[0] + 1)
            cur = None
    return rows


@dataclass(frozen=True)
class ThresholdScore:
    """Raw NAB score and confusion counts when rows with ``score >= threshold`` are detections."""

    threshold: float
    score: float
    tp: int  # detection rows inside windows
    fp: int  # detection rows outside windows
    windows_hit: int
    windows: int


def scores_by_threshold(rows: Iterable[Row], cost: CostMatrix) -> list[ThresholdScore]:
    """Every distinct threshold's raw score, highest threshold first (NAB ``calcScoreByThreshold``).

    The first entry (threshold above every score) is the null detector's score.
    """
    scorable = sorted((r for r in rows if not r.probationary), key=lambda r: -r.anomaly_score)
    window_score: dict[tuple[str, int], float] = {
        r.window: -cost.fn_weight for r in scorable if r.window is not None
    }
    hit: set[tuple[str, int]] = set()
    total_windows = len(window_score)
    win_sum = -cost.fn_weight * total_windows
    fp_sum = 0.0
    tp = fp = 0
    out: list[ThresholdScore] = []
    cur = math.inf
    for r in scorable:
        if r.anomaly_score != cur:
            out.append(ThresholdScore(cur, fp_sum + win_sum, tp, fp, len(hit), total_windows))
            cur = r.anomaly_score
        if r.window is not None:
            tp += 1
            old = window_score[r.window]
            if r.window not in hit or r.sweep_score > old:
                win_sum += r.sweep_score - old
                window_score[r.window] = r.sweep_score
                hit.add(r.window)
        else:
            fp += 1
            fp_sum += r.sweep_score
    out.append(ThresholdScore(cur, fp_sum + win_sum, tp, fp, len(hit), total_windows))
    return out


def score_at(table: Sequence[ThresholdScore], threshold: float) -> ThresholdScore:
    """The row of ``table`` whose detections are exactly the rows with ``score >= threshold``."""
    best = table[0]
    for row in table:
        if row.threshold >= threshold:
            best = row
        else:
            break
    return best


def normalise(raw: float, windows: int, cost: CostMatrix) -> float:
    """NAB's normalisation: null detector (all windows missed) = 0, perfect (all hit at once) = 100."""
    null = -cost.fn_weight * windows
    perfect = cost.tp_weight * windows
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True)
class ProfileResult:
    """NAB result of one profile: optimised threshold and the given fixed threshold."""

    profile: str
    best: ThresholdScore
    best_normalised: float
    fixed: ThresholdScore | None
    fixed_normalised: float | None


@dataclass
class Corpus:
    """Scored files of one detector: ``{file name: (timestamps, anomaly scores)}`` plus windows."""

    scores: dict[str, list[float]]
    windows: dict[str, list[tuple[int, int]]]
    timestamps: dict[str, list[datetime]] = field(default_factory=dict)

    def rows(self, cost: CostMatrix, files: Iterable[str] | None = None) -> list[Row]:
        names = sorted(self.scores) if files is None else list(files)
        out: list[Row] = []
        for name in names:
            out.extend(sweep_rows(name, self.scores[name], self.windows.get(name, []), cost))
        return out

    def evaluate(
        self, cost: CostMatrix, fixed_threshold: float | None = None, files: Iterable[str] | None = None
    ) -> ProfileResult:
        table = scores_by_threshold(self.rows(cost, files), cost)
        windows = table[0].windows
        best = max(table, key=lambda t: (t.score, t.threshold))
        fixed = score_at(table, fixed_threshold) if fixed_threshold is not None else None
        return ProfileResult(
            profile=cost.name,
            best=best,
            best_normalised=normalise(best.score, windows, cost),
            fixed=fixed,
            fixed_normalised=normalise(fixed.score, windows, cost) if fixed is not None else None,
        )


# --- reading NAB's file layout ------------------------------------------------------

def parse_timestamp(text: str) -> datetime:
    """NAB timestamps are naive ``YYYY-mm-dd HH:MM:SS[.ffffff]``; they are UTC."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a NAB timestamp: {text!r}") from None


def read_series(path: Path, column: str = "value") -> tuple[list[datetime], list[float]]:
    """Read a NAB CSV (``timestamp,<column>``)."""
    ts: list[datetime] = []
    vals: list[float] = []
    with path.open(newline="") as fh:
        for rec in csv.DictReader(fh):
            ts.append(parse_timestamp(rec["timestamp"]))
            vals.append(float(rec[column]))
    return ts, vals


def read_windows(path: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    """``windows.json`` keyed by bare file name (NAB keys are ``corpus/file.csv``)."""
    raw: Mapping[str, list[list[str]]] = json.loads(path.read_text())
    return {
        Path(key).name: [(parse_timestamp(a), parse_timestamp(b)) for a, b in wins] for key, wins in raw.items()
    }


def read_profiles(path: Path) -> tuple[CostMatrix, ...]:
    raw = json.loads(path.read_text())
    return tuple(
        CostMatrix(name, float(p["CostMatrix"]["tpWeight"]), float(p["CostMatrix"]["fpWeight"]),
                   float(p["CostMatrix"]["fnWeight"]))
        for name, p in raw.items()
    )


def load_corpus(
    score_dir: Path, windows_path: Path, column: str = "anomaly_score", files: Iterable[str] | None = None
) -> Corpus:
    """Read one detector's score CSVs (one per data file) and the labelled windows."""
    windows = read_windows(windows_path)
    names = sorted(files) if files is not None else sorted(p.name for p in score_dir.glob("*.csv"))
    corpus = Corpus(scores={}, windows={})
    for name in names:
        ts, vals = read_series(score_dir / name, column)
        corpus.scores[name] = vals
        corpus.timestamps[name] = ts
        corpus.windows[name] = window_indices(ts, windows.get(name, []))
    return corpus
