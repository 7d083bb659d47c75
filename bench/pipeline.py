"""Pipeline throughput benchmark: per-stage costs in-process, and end to end through
the embedded broker (produce → worker → risk topic).

    .venv/bin/python -m bench.pipeline                 # stages + end to end, 3 runs each
    .venv/bin/python -m bench.pipeline --stages-only
    .venv/bin/python -m bench.pipeline --runs 5 --scenario united-guitars

Prints a Markdown table (median of the runs, with min–max) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from streams.aggregate import AggConfig, apply_partial, close_ready, new_entity_state
from streams.enrich import Enricher, build_partials
from streams.nlp import build_matcher, build_sentiment
from streams.pipeline import entity_infos, info_for
from streams.scenarios import generate
from streams.schemas import Mention, decode_mention
from streams.settings import DEFAULT_WATCHLIST, load_settings
from streams.watchlist import load_watchlist


def timeit(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def stages(scenario: str, runs: int, sentiment: str) -> list[tuple[str, list[float], int, str]]:
    sc = generate(scenario, seed=7)
    raws = [json.dumps(m).encode() for m in sc.mentions]
    n = len(raws)
    wl = load_watchlist(DEFAULT_WATCHLIST)
    matcher = build_matcher(wl)
    scorer = build_sentiment(sentiment)
    mentions: list[Mention] = [decode_mention(r) for r in raws]  # type: ignore[misc]
    texts = [m.text for m in mentions]
    enricher = Enricher(matcher, scorer)
    enriched, _ = enricher.enrich(mentions)
    partials = [build_partials(enriched[i:i + 500], 300) for i in range(0, len(enriched), 500)]
    cfg = AggConfig()
    rows: list[tuple[str, list[float], int, str]] = []
    rows.append(("decode + validate (pydantic)", timeit(lambda: [decode_mention(r) for r in raws], runs), n, "mention"))
    rows.append(("watchlist match", timeit(lambda: [matcher.match(t) for t in texts], runs), n, "mention"))
    matched = [m.text for m in mentions if matcher.match(m.text)]
    rows.append((f"sentiment ({sentiment})", timeit(lambda: scorer.score_batch(matched), runs), len(matched), "matched mention"))
    rows.append(("build partials (batch 500)",
                 timeit(lambda: [build_partials(enriched[i:i + 500], 300) for i in range(0, len(enriched), 500)], runs),
                 len(enriched), "matched mention"))

    def agg() -> None:
        states: dict[str, dict] = {}
        for batch in partials:
            for p in batch:
                apply_partial(states.setdefault(p["e"], new_entity_state(p["e"])), p, cfg)

    rows.append(("aggregate: apply partials (dedup)", timeit(agg, runs), len(enriched), "matched mention"))

    from detectors import SurgeDetector

    infos = entity_infos(wl)

    def close() -> int:
        states: dict[str, dict] = {}
        for batch in partials:
            for p in batch:
                apply_partial(states.setdefault(p["e"], new_entity_state(p["e"])), p, cfg)
        det = SurgeDetector()
        horizon = max(p["b"] for batch in partials for p in batch) + cfg.bucket_seconds
        return sum(len(close_ready(st, horizon, cfg, det, info_for(infos, st))) for st in states.values())

    nb = close()
    t_total = timeit(close, runs)
    t_agg = rows[-1][1]
    rows.append(("close buckets (detector + events)", [a - b for a, b in zip(t_total, t_agg, strict=True)], nb, "bucket"))
    n_partials = sum(len(b) for b in partials)
    print(f"shuffle records: {n_partials:,} partials for {len(enriched):,} matched mentions in batches of 500 "
          f"({len(enriched) / n_partials:.1f} mentions per record), plus one tick per entity partition per batch\n")
    return rows


def end_to_end(scenario: str, runs: int, env_extra: dict[str, str]) -> list[dict]:
    from confluent_kafka import Producer

    from streams.broker import EmbeddedBroker, free_port
    from streams.demo import scrape

    sc = generate(scenario, seed=7)
    records = [json.dumps(m).encode() for m in sc.mentions]
    results = []
    for run in range(runs):
        with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            env = {**os.environ, "RRM_KAFKA_BOOTSTRAP": broker.bootstrap, "RRM_BROKER_PROFILE": "embedded",
                   "RRM_WEB_PORT": str(port), "RRM_WEB_HOST": "127.0.0.1", "RRM_APP_ID": f"bench-{run}",
                   "RRM_DATA_DIR": tmp, "RRM_IDLE_SOURCE_SECONDS": "2", **env_extra}
            log = open(Path(tmp) / "worker.log", "wb")  # noqa: SIM115
            w = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
            try:
                t_start = time.monotonic()
                while not scrape(port).get("repwatch_assigned_partitions{topic=mentions}"):
                    if w.poll() is not None or time.monotonic() - t_start > 120:
                        raise SystemExit(f"worker failed to start; see {tmp}/worker.log")
                    time.sleep(0.3)
                ready_s = time.monotonic() - t_start
                p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20})
                t0 = time.monotonic()
                for rec in records:
                    while True:
                        try:
                            p.produce("mentions", value=rec, key=json.loads(rec)["id"].encode())
                            break
                        except BufferError:
                            p.poll(0.05)
                p.flush(60)
                del p  # let librdkafka close before the broker stops
                t_produced = time.monotonic() - t0
                processed_at = None
                while time.monotonic() - t0 < 600:
                    m = scrape(port)
                    if processed_at is None and m.get("repwatch_mentions_processed_total", 0) >= len(records):
                        processed_at = time.monotonic() - t0
                        break
                    time.sleep(0.1)
                lat = m.get("repwatch_processing_latency_seconds_sum{stage=enrich}", 0) / max(
                    1, m.get("repwatch_processing_latency_seconds_count{stage=enrich}", 1))
                results.append({"mentions": len(records), "worker_ready_s": ready_s, "produce_s": t_produced,
                                "processed_s": processed_at, "rate": len(records) / processed_at if processed_at else 0,
                                "mean_enrich_latency_s": lat})
                print(f"  run {run + 1}: {results[-1]}", file=sys.stderr)
            finally:
                w.terminate()
                w.wait(20)
                log.close()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="kindle-1984")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stages-only", action="store_true")
    ap.add_argument("--sentiment", default=load_settings().sentiment_model)
    args = ap.parse_args()
    print(f"# pipeline benchmark — {date.today()} — {platform.node()} ({os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()}) — scenario {args.scenario}\n")
    print("| stage (one core, in-process) | per item | items/s | median of |\n|---|---|---|---|")
    for name, ts, n, unit in stages(args.scenario, args.runs, args.sentiment):
        med = statistics.median(ts)
        print(f"| {name} | {med / n * 1e6:.1f} µs / {unit} | {n / med:,.0f} | {len(ts)} runs ({min(ts):.2f}–{max(ts):.2f} s for {n:,}) |")
    if args.stages_only:
        return
    res = end_to_end(args.scenario, args.runs, {"RRM_SENTIMENT_MODEL": args.sentiment})
    rates = [r["rate"] for r in res]
    print("\n| end to end (broker → worker → risk topic) | median | min–max |\n|---|---|---|")
    print(f"| mentions/s (all {res[0]['mentions']:,} processed) | {statistics.median(rates):,.0f} | "
          f"{min(rates):,.0f}–{max(rates):,.0f} |")
    for key in ("worker_ready_s", "produce_s", "processed_s", "mean_enrich_latency_s"):
        vals = [r[key] for r in res]
        print(f"| {key} | {statistics.median(vals):.2f} | {min(vals):.2f}–{max(vals):.2f} |")


if __name__ == "__main__":
    main()
