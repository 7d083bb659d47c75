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

from detectors import Assessment, Bucket, DetectorConfig, SurgeDetector
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
        return [a.score / 100.0 for a in self.assessments]


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
    """Write ``timestamp,anomaly_score,alert`` in NAB's results layout."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "anomaly_score", "alert"])
        for ts, s in zip(result.timestamps, result.anomaly_scores, strict=True):
            w.writerow([ts.strftime("%Y-%m-%d %H:%M:%S"), f"{s:.4f}", 1 if s >= threshold else 0])
