"""Cost of one detector step per bucket (and of the state round trip the stream does).

    .venv/bin/python -m bench.detector_step                  # 5 runs, 100 entities x 3 days
    .venv/bin/python -m bench.detector_step --entities 200 --days 2 --runs 7

Buckets are pre-built (5-minute, daily cycle, Poisson-ish counts with a surge on some
entities) so only ``SurgeDetector.step`` is timed; entities are stepped interleaved
bucket by bucket like the aggregate agent does. Cost is CPU time of this process
(``time.process_time``), so it is per core whatever else runs on the machine. Reported:
median over runs of the mean µs per step, and of ``DetectorState.to_dict`` /
``from_dict`` (the aggregate agent stores the state as JSON in a table: one round trip
per entity per watermark tick, not per bucket).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from detectors import Bucket, DetectorState, SurgeDetector

T0 = datetime(2026, 3, 2, tzinfo=UTC)
W = timedelta(minutes=5)


def build(entities: int, days: float, seed: int) -> list[list[Bucket]]:
    rng = random.Random(seed)
    n = int(days * 288)
    out = []
    for e in range(entities):
        level = rng.choice([0.5, 2, 10, 50, 300])
        surge = n - 200 if e % 5 == 0 else -1
        rows = []
        for i in range(n):
            lam = level * (1 + 0.6 * math.sin(2 * math.pi * i / 288))
            neg = max(0, round(rng.gauss(lam, math.sqrt(lam + 1))))
            if surge <= i < surge + 60 and surge >= 0:
                neg += int(level * 5 + 20)
            other = max(0, round(rng.gauss(2 * lam, math.sqrt(2 * lam + 1))))
            rows.append(Bucket(f"e{e}", T0 + i * W, T0 + (i + 1) * W, volume=neg + other, negative=neg,
                               positive=other // 2, neutral=other - other // 2, reach=100.0 * (neg + other),
                               negative_reach=100.0 * neg, unique_authors=neg + other,
                               unique_negative_authors=neg, top_author_count=1 if neg + other else 0,
                               unique_negative_texts=neg))
        out.append(rows)
    return out


def one_run(series: list[list[Bucket]]) -> tuple[float, float, float]:
    det = SurgeDetector()
    states = [det.new_state() for _ in series]
    steps = 0
    t0 = time.process_time()
    for i in range(len(series[0])):
        for e, rows in enumerate(series):
            states[e], _ = det.step(states[e], rows[i])
            steps += 1
    step_us = (time.process_time() - t0) / steps * 1e6
    t0 = time.process_time()
    dumped = [json.dumps(s.to_dict()) for s in states]
    to_us = (time.process_time() - t0) / len(states) * 1e6
    t0 = time.process_time()
    for d in dumped:
        DetectorState.from_dict(json.loads(d))
    from_us = (time.process_time() - t0) / len(states) * 1e6
    return step_us, to_us, from_us


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entities", type=int, default=100)
    ap.add_argument("--days", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    series = build(args.entities, args.days, args.seed)
    runs = [one_run(series) for _ in range(args.runs)]
    steps = [r[0] for r in runs]
    state_bytes = len(json.dumps(SurgeDetector().new_state().to_dict()))
    det = SurgeDetector()
    st = det.new_state()
    for b in series[0]:
        st, _ = det.step(st, b)
    result = {
        "buckets_per_run": args.entities * len(series[0]),
        "step_us_median": round(statistics.median(steps), 2),
        "step_us_runs": [round(s, 2) for s in steps],
        "state_to_json_us_median": round(statistics.median(r[1] for r in runs), 2),
        "state_from_json_us_median": round(statistics.median(r[2] for r in runs), 2),
        "state_json_bytes_new": state_bytes,
        "state_json_bytes_after_3_days": len(json.dumps(st.to_dict())),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
