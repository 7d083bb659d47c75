"""Is the reported doubling time the wave's? Estimated vs the scenario generator's truth.

    .venv/bin/python -m bench.doubling_time [--seeds 7,11-13]

Each crowd-wave scenario (kindle-1984, united-guitars, sonos-praise) through the whole
offline pipeline (the stream's code). The generator's wave doubles every ``doubling_min``
minutes from onset to its peak (``streams.scenarios.WAVE_SHAPES``): that is the truth.
For the target's buckets between 15 min after onset and the end of the ramp, with a
surprise of at least 3 (when the detector would say "accelerating"), it reports the
distribution of:

  reported  ``signals["doubling_minutes"]``: the doubling time solved exactly from the fast
            and slow EWMAs (``detectors.engine._doubling_s``), what the on-call reads;
  damped    the mean-lag approximation the detector reported before 2026-11-23, which still
            feeds the acceleration boost (recomputed here from the same two EWMAs).

sonos-praise usually has no such bucket: the positive-wave discount keeps its surprise low.
Deterministic; one run.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from datetime import datetime

from detectors import DetectorConfig
from detectors.engine import _alpha, _damped_doubling_s
from streams.commands.evaluate import parse_seeds
from streams.pipeline import run_offline
from streams.scenarios import WAVE_SHAPES, generate, ramp_hours
from streams.settings import load_settings


def damped_minutes(reported_min: float, fast: float, width_s: float, cfg: DetectorConfig) -> float | None:
    """The mean-lag doubling time from the same two EWMAs: the exact one fixes slow = fast / ratio."""
    a_f, a_s = _alpha(width_s, cfg.fast_half_life_s), _alpha(width_s, cfg.slow_half_life_s)
    if reported_min < 0:  # not growing
        return None
    if reported_min == 0:
        ratio = a_f / a_s
    else:  # the steady-state fast / slow ratio that _doubling_s inverts
        rho = 2.0 ** (-width_s / (60.0 * reported_min))
        ratio = a_f * (1 - (1 - a_s) * rho) / (a_s * (1 - (1 - a_f) * rho))
    damped = _damped_doubling_s(fast, fast / ratio, a_f, a_s, width_s)
    return damped / 60.0 if damped < math.inf else None


def _describe(v: list[float]) -> str:
    if not v:
        return "n=0"
    q = statistics.quantiles(v, n=4) if len(v) >= 4 else [min(v), statistics.median(v), max(v)]
    return f"n={len(v)}, median {statistics.median(v):.1f}, quartiles {q[0]:.1f}–{q[2]:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="7,11-13", help="seeds: integers and inclusive ranges (default 7,11-13)")
    args = ap.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    settings = load_settings()
    cfg = DetectorConfig()
    print(f"seeds {args.seeds}; target buckets 15 min after onset to the end of the ramp, surprise >= 3\n")
    print("| scenario | true doubling (min) | reported (exact) | damped (mean-lag, before 2026-11-23) |")
    print("| --- | --- | --- | --- |")
    for name, shape in WAVE_SHAPES.items():
        truth = shape["doubling_min"]
        ramp_min = 60.0 * ramp_hours(**shape)
        reported: list[float] = []
        damped: list[float] = []
        for seed in seeds:
            sc = generate(name, seed=seed)
            onset = datetime.fromisoformat(sc.truth["onset"])
            for c in run_offline(sc.mentions, settings, detector_config=cfg).closed:
                a = c.assessment
                m = (a.end - onset).total_seconds() / 60.0
                if a.entity_id != sc.truth["entity_id"] or not 15 <= m <= ramp_min or a.signals["surprise"] < 3:
                    continue
                d = a.signals["doubling_minutes"]
                reported.append(d if d >= 0 else math.inf)
                old = damped_minutes(d, a.signals["recent_negative"], (a.end - a.start).total_seconds(), cfg)
                damped.append(old if old is not None else math.inf)
        print(f"| {name} | {truth:g} | {_describe(reported)} | {_describe(damped)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
