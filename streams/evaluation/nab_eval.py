"""Evaluate the detector (or a backtest's output) on the NAB realTweets files.

Reports, per file group (the tuning split, the held-out split, all files) and per NAB
profile: the threshold-optimised score and the score at the detector's fixed paging
threshold; plus, at the fixed threshold, the detection delay (first alert in a window
minus the window's labelled anomaly point) and false alerts per entity-day.

Every NAB figure is reported for two per-row anomaly scores, side by side:

* **row** (``anomaly_score``): the risk score of every row. A 3-hour incident above the
  threshold is ~36 detection rows.
* **paging** (``paging_score``): what notifies the on-call. Rows where an incident opens or
  escalates keep their score; every other row is capped just below the paging threshold
  (``streams.evaluation.backtest.paging_scores``), so an incident that stays open at the
  same level is one detection, not one per row.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from detectors import DetectorConfig
from streams.errors import ConfigError
from streams.evaluation.backtest import run_nab_file
from streams.evaluation.nab import (
    PROFILES,
    Corpus,
    CostMatrix,
    ProfileResult,
    parse_timestamp,
    probationary_length,
    read_profiles,
    read_series,
    read_windows,
    window_indices,
)

#: The split fixed before tuning: the detector was designed and tuned looking at these files
#: only; the others are held out and reported separately.
TUNING_FILES = ("Twitter_volume_AAPL.csv", "Twitter_volume_AMZN.csv", "Twitter_volume_CRM.csv")
HELD_OUT_FILES = ("Twitter_volume_CVS.csv", "Twitter_volume_FB.csv")

#: alert rows closer than this are one alert episode (the detector's calm period + cool-down)
EPISODE_GAP = timedelta(minutes=90)


@dataclass
class ScoredFile:
    name: str
    timestamps: list[datetime]
    scores: list[float]
    alerts: list[bool]
    windows: list[tuple[int, int]]
    labels: list[datetime] = field(default_factory=list)
    #: the paging score per row (empty when unknown, e.g. an old backtest output)
    paging: list[float] = field(default_factory=list)


@dataclass
class GroupResult:
    group: str
    files: list[str]
    profiles: list[ProfileResult]
    windows: int
    windows_alerted: int
    delays_min: list[float]
    false_alerts: int
    entity_days: float
    #: the same NAB profiles scored on the paging score (empty when unknown)
    paging_profiles: list[ProfileResult] = field(default_factory=list)

    @property
    def false_alerts_per_entity_day(self) -> float:
        return self.false_alerts / self.entity_days if self.entity_days else 0.0

    @property
    def median_delay_min(self) -> float | None:
        return statistics.median(self.delays_min) if self.delays_min else None

    def to_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "files": self.files,
            "profiles": _profiles_dict(self.profiles),
            "paging_profiles": _profiles_dict(self.paging_profiles),
            "windows": self.windows,
            "windows_alerted": self.windows_alerted,
            "delays_min": [round(d, 1) for d in self.delays_min],
            "median_delay_min": self.median_delay_min,
            "false_alerts": self.false_alerts,
            "entity_days": round(self.entity_days, 2),
            "false_alerts_per_entity_day": round(self.false_alerts_per_entity_day, 4),
        }


def _profiles_dict(profiles: Sequence[ProfileResult]) -> dict[str, dict[str, object]]:
    return {
        p.profile: {
            "optimised": round(p.best_normalised, 2),
            "optimised_threshold": round(p.best.threshold, 4),
            "optimised_windows_hit": p.best.windows_hit,
            "optimised_fp_rows": p.best.fp,
            "fixed": round(p.fixed_normalised, 2) if p.fixed_normalised is not None else None,
            "fixed_windows_hit": p.fixed.windows_hit if p.fixed else None,
            "fixed_fp_rows": p.fixed.fp if p.fixed else None,
        }
        for p in profiles
    }


def _labels(path: Path) -> dict[str, list[datetime]]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    return {Path(k).name: [parse_timestamp(t) for t in v] for k, v in raw.items()}


def check_nab_dir(nab_dir: Path) -> None:
    for part in ("series", "windows.json"):
        if not (nab_dir / part).exists():
            raise ConfigError(
                f"NAB data dir {str(nab_dir)!r} has no {part!r} (expected the realTweets layout: "
                "series/*.csv, windows.json, labels.json, profiles.json); pass --nab-dir"
            )


def score_files(
    nab_dir: Path, config: DetectorConfig | None = None, scores_dir: Path | None = None
) -> list[ScoredFile]:
    """Anomaly scores for every series: a fresh detector run, or read from a backtest's output."""
    check_nab_dir(nab_dir)
    cfg = config or DetectorConfig()
    windows = read_windows(nab_dir / "windows.json")
    labels = _labels(nab_dir / "labels.json")
    out: list[ScoredFile] = []
    for path in sorted((nab_dir / "series").glob("*.csv")):
        if scores_dir is not None:
            scored = scores_dir / path.name
            if not scored.exists():
                raise ConfigError(f"--scores: no {path.name} in {str(scores_dir)!r} (run repwatch backtest first)")
            ts, scores = read_series(scored, "anomaly_score")
            _, flags = read_series(scored, "alert")
            alerts = [f >= 0.5 for f in flags]
            try:
                _, paging = read_series(scored, "paging_score")
            except KeyError:  # written before the paging column existed
                paging = []
        else:
            res = run_nab_file(path, cfg)
            ts, scores = res.timestamps, res.anomaly_scores
            alerts = [s >= cfg.page_threshold for s in scores]
            paging = res.paging_scores(cfg.page_threshold)
        out.append(
            ScoredFile(path.name, ts, scores, alerts, window_indices(ts, windows.get(path.name, [])),
                       labels.get(path.name, []), paging)
        )
    if not out:
        raise ConfigError(f"no series CSVs under {str(nab_dir / 'series')!r}")
    return out


def _episodes(f: ScoredFile) -> list[int]:
    """First row of each alert episode (alert rows separated by less than EPISODE_GAP merge)."""
    starts: list[int] = []
    last: datetime | None = None
    for i, on in enumerate(f.alerts):
        if not on:
            continue
        if last is None or f.timestamps[i] - last >= EPISODE_GAP:
            starts.append(i)
        last = f.timestamps[i]
    return starts


def group_result(
    group: str, files: Sequence[ScoredFile], threshold: float, profiles: Iterable[CostMatrix] = PROFILES
) -> GroupResult:
    profiles = tuple(profiles)
    corpus = Corpus(scores={f.name: f.scores for f in files}, windows={f.name: f.windows for f in files})
    results = [corpus.evaluate(p, threshold) for p in profiles]
    paging_results: list[ProfileResult] = []
    if files and all(f.paging for f in files):
        paging = Corpus(scores={f.name: f.paging for f in files}, windows={f.name: f.windows for f in files})
        paging_results = [paging.evaluate(p, threshold) for p in profiles]
    windows = alerted = false_alerts = 0
    delays: list[float] = []
    days = 0.0
    for f in files:
        prob = int(probationary_length(len(f.scores)))
        if len(f.timestamps) > prob:
            days += (f.timestamps[-1] - f.timestamps[prob]).total_seconds() / 86400.0
        for lo, hi in f.windows:
            if hi < prob:
                continue
            windows += 1
            first = next((i for i in range(max(lo, prob), hi + 1) if f.alerts[i]), None)
            if first is None:
                continue
            alerted += 1
            # the first labelled point inside this window (a window may hold several labels,
            # so the k-th label is not the k-th window's); the window's middle if it has none
            label = next((t for t in sorted(f.labels) if f.timestamps[lo] <= t <= f.timestamps[hi]),
                         f.timestamps[(lo + hi) // 2])
            delays.append((f.timestamps[first] - label).total_seconds() / 60.0)
        for i in _episodes(f):
            if i >= prob and not any(lo <= i <= hi for lo, hi in f.windows):
                false_alerts += 1
    return GroupResult(
        group, [f.name for f in files], results, windows, alerted, delays, false_alerts, days, paging_results
    )


def evaluate_nab(
    nab_dir: Path, config: DetectorConfig | None = None, scores_dir: Path | None = None
) -> list[GroupResult]:
    cfg = config or DetectorConfig()
    files = score_files(nab_dir, cfg, scores_dir)
    profiles = read_profiles(nab_dir / "profiles.json") if (nab_dir / "profiles.json").exists() else PROFILES
    by_name = {f.name: f for f in files}
    groups: list[tuple[str, list[ScoredFile]]] = []
    tune = [by_name[n] for n in TUNING_FILES if n in by_name]
    held = [by_name[n] for n in HELD_OUT_FILES if n in by_name]
    if tune and held:
        groups += [("tuning split", tune), ("held-out split", held)]
    groups.append(("all files", files))
    return [group_result(g, fs, cfg.page_threshold, profiles) for g, fs in groups]
