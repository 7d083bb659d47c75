"""Offline backtests through the same detector code the stream runs.

NAB layout: one CSV per series (``timestamp,value``), one row per bucket. The value
is treated as the negative-mention count of the bucket (the series carry no text, so
no sentiment, authors or reach: spread and share signals stay neutral).
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from detectors import Assessment, Bucket, DetectorConfig, SurgeDetector, Transition
from streams.evaluation.nab import read_series


def count_bucket(entity_id: str, start: datetime, width: timedelta, count: float) -> Bucket:
    """A bucket of ``count`` negative mentions, each from a distinct author with a distinct text."""
    n = max(0, round(count))
    return Bucket(
        entity_id=entity_id,
        start=start,
        end=start + width,
        volume=n,
        negative=n,
        unique_authors=n,
        unique_negative_authors=n,
        top_author_count=1 if n else 0,
        unique_negative_texts=n,
    )


def series_width(timestamps: Sequence[datetime]) -> timedelta:
    """The series' bucket width: the median spacing of its timestamps."""
    if len(timestamps) < 2:
        return timedelta(minutes=5)
    gaps = [(b - a).total_seconds() for a, b in zip(timestamps, timestamps[1:], strict=False)]
    return timedelta(seconds=statistics.median(gaps))


@dataclass(frozen=True)
class SeriesResult:
    name: str
    timestamps: list[datetime]
    values: list[float]
    assessments: list[Assessment]

    @property
    def anomaly_scores(self) -> list[float]:
        """Per-row risk score scaled to [0, 1] (every row of an incident counts)."""
        return [a.score / 100.0 for a in self.assessments]

    def paging_scores(self, threshold: float) -> list[float]:
        """Per-row *paging* score in [0, 1]: see :func:`paging_scores`."""
        return paging_scores(self.assessments, threshold)


#: transitions that notify the on-call (a new incident, or an incident reaching a higher severity)
PAGING_TRANSITIONS = frozenset({Transition.OPENED, Transition.ESCALATED})


def paging_scores(assessments: Sequence[Assessment], threshold: float) -> list[float]:
    """What the on-call is notified of, as an anomaly score per row.

    A row where an incident opens or escalates (a new page) keeps its risk score / 100
    (>= ``threshold`` by construction). Every other row keeps its risk score too, but capped
    just below ``threshold`` (``threshold - 0.0001``), exactly as the detector's own gates cap
    a score that may not page: an incident that is already open and has not changed level
    notifies nobody again. So at the paging threshold the detections are exactly the pages;
    at a lower threshold every row at or above it counts, as with the per-row risk score.
    """
    cap = threshold - 1e-4
    return [
        a.score / 100.0 if a.transition in PAGING_TRANSITIONS else min(a.score / 100.0, cap)
        for a in assessments
    ]


def run_series(
    name: str, timestamps: Sequence[datetime], values: Sequence[float], config: DetectorConfig | None = None
) -> SeriesResult:
    """Run a fresh detector over one count series (naive timestamps are taken as UTC)."""
    det = SurgeDetector(config)
    state = det.new_state()
    width = series_width(timestamps)
    entity = Path(name).stem
    out: list[Assessment] = []
    for ts, v in zip(timestamps, values, strict=True):
        start = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
        state, a = det.step(state, count_bucket(entity, start, width, v))
        out.append(a)
    return SeriesResult(name, list(timestamps), list(values), out)


def run_nab_file(path: Path, config: DetectorConfig | None = None) -> SeriesResult:
    ts, vals = read_series(path)
    return run_series(path.name, ts, vals, config)


def write_nab_scores(result: SeriesResult, out: Path, threshold: float) -> None:
    """Write ``timestamp,anomaly_score,alert,paging_score,page`` (NAB's results layout plus two columns).

    ``anomaly_score``/``alert``: the per-row risk score / 100 and ``score >= threshold`` (every
    row of an open incident is an alert row). ``paging_score``/``page``: the same, except that a
    row which neither opens nor escalates an incident is capped just below ``threshold``
    (:func:`paging_scores`), so ``page`` is 1 exactly on the rows that notify the on-call.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    paging = result.paging_scores(threshold)
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "anomaly_score", "alert", "paging_score", "page"])
        for ts, s, p in zip(result.timestamps, result.anomaly_scores, paging, strict=True):
            w.writerow([ts.strftime("%Y-%m-%d %H:%M:%S"), f"{s:.4f}", 1 if s >= threshold else 0,
                        f"{p:.4f}", 1 if p >= threshold else 0])
