"""Evaluate sentiment scorers: macro-recall on TweetEval val and the SemEval held-out split,
and single-process batched throughput.

    .venv/bin/python -m bench.eval_sentiment [--models default,vader] [--repeats 5] [--batch 256]

Accuracy uses the shipped artefacts through ``streams.nlp.sentiment.load_scorer`` (the
same path the pipeline uses). Throughput: every TweetEval-val text scored in batches,
``--repeats`` timed runs after one warm-up run, the median reported (mentions/s on one core).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

from bench.sentiment_data import load_corpora, macro_recall
from streams.nlp.sentiment import load_scorer


def _predict(scorer: object, texts: list[str], batch: int) -> list[int]:
    out: list[int] = []
    for i in range(0, len(texts), batch):
        out.extend(s.label for s in scorer.score_batch(texts[i:i + batch]))  # type: ignore[attr-defined]
    return out


def throughput(scorer: object, texts: list[str], batch: int, repeats: int) -> tuple[float, float, list[float]]:
    """Median mentions/s by wall clock and by this process's CPU time (the per-core figure on a
    shared machine, where wall time also counts time the process waited for a core)."""
    _predict(scorer, texts[:batch], batch)  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        _predict(scorer, texts, batch)
        wall.append(len(texts) / (time.perf_counter() - t0))
        cpu.append(len(texts) / max(1e-9, time.process_time() - c0))
    return statistics.median(wall), statistics.median(cpu), wall


def per_class_recall(gold: list[int], pred: list[int]) -> dict[str, float]:
    names = {-1: "neg", 0: "neu", 1: "pos"}
    out = {}
    for c, n in names.items():
        tot = sum(1 for g in gold if g == c)
        out[n] = round(100.0 * sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c) / tot, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="default,vader", help="comma-separated scorer names")
    ap.add_argument("--repeats", type=int, default=5, help="timed throughput runs (median reported)")
    ap.add_argument("--batch", type=int, default=256, help="batch size for score_batch")
    ap.add_argument("--speed-texts", type=int, default=2000, help="texts per throughput run (from val)")
    args = ap.parse_args(argv)

    corp = load_corpora()
    print(f"# sentiment evaluation — {time.strftime('%Y-%m-%d')} — {platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}")
    print(f"# data: {corp.stats}")
    print("| model | version | TweetEval val macro-R | val neg/neu/pos recall | SemEval held-out macro-R "
          f"| mentions/s wall (1 process, batch {args.batch}, median of {args.repeats}) | mentions/s per CPU-second |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in args.models.split(","):
        t0 = time.perf_counter()
        scorer = load_scorer(name.strip())
        load_s = time.perf_counter() - t0
        val_pred = _predict(scorer, corp.val.texts, args.batch)
        held_pred = _predict(scorer, corp.heldout.texts, args.batch)
        rv = macro_recall(corp.val.labels, val_pred)
        rh = macro_recall(corp.heldout.labels, held_pred)
        pc = per_class_recall(corp.val.labels, val_pred)
        speed_texts = (corp.val.texts * (1 + args.speed_texts // len(corp.val.texts)))[: args.speed_texts]
        med, med_cpu, rates = throughput(scorer, speed_texts, args.batch, args.repeats)
        print(f"| {scorer.name} | {scorer.version} | {rv:.2f} | {pc['neg']}/{pc['neu']}/{pc['pos']} "
              f"| {rh:.2f} | {med:,.0f} | {med_cpu:,.0f} |", flush=True)
        print(f"  {name}: load {load_s:.2f}s; throughput runs: {', '.join(f'{r:,.0f}' for r in rates)}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
