"""Throughput of the whole enrichment step per core, with and without statistical NER.

    .venv/bin/python -m bench.entities_throughput               # 3 runs of 2,000 mentions each
    .venv/bin/python -m bench.entities_throughput --n 5000 --runs 5
    .venv/bin/python -m bench.entities_throughput --model OTHER.crfsuite   # A/B two models

The step is ``streams.enrich.Enricher.enrich`` (watchlist matcher for the default
watchlist + ``build_sentiment('default')`` + optionally the discovery CRF, which
runs spaCy ``en_core_web_sm`` for its features) on batches of ``--batch`` decoded
mentions of the kindle-1984 scenario (seed 7). Cost is CPU time of this process
(``time.process_time``), so mentions/s is per core whatever else runs on the
machine; threads are pinned to 1. Median of ``--runs``. Also reported: the
discovery CRF alone, split into its spaCy feature pass and the CRF proper.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from streams.enrich import Enricher  # noqa: E402
from streams.nlp import build_matcher, build_sentiment  # noqa: E402
from streams.nlp.discovery import load_discoverer, tokenize  # noqa: E402
from streams.scenarios import generate  # noqa: E402
from streams.schemas import decode_mention  # noqa: E402
from streams.watchlist import load_watchlist  # noqa: E402


def run(enricher: Enricher, mentions: list, batch: int) -> float:
    t0 = time.process_time()
    for i in range(0, len(mentions), batch):
        ok, failed = enricher.enrich(mentions[i : i + batch])
        assert not failed, failed[:1]
    return len(mentions) / (time.process_time() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--model", default=None, help="discovery model (default: the shipped one)")
    args = ap.parse_args(argv)

    sc = generate("kindle-1984", seed=7)
    mentions = [decode_mention(json.dumps(m).encode()) for m in sc.mentions[: args.n]]
    wl = load_watchlist("streams/data/watchlist.yaml")
    matcher, scorer = build_matcher(wl), build_sentiment("default")
    disc = load_discoverer(wl, model_path=args.model)
    texts = [m.text for m in mentions]
    disc.discover_batch(texts[:500])  # warm-up (spaCy vocab, tokenizer caches)
    print(f"{len(mentions)} mentions, batch {args.batch}, sentiment={scorer.name}, median of {args.runs} runs")
    for label, enr in (("matcher + sentiment", Enricher(matcher, scorer)),
                       ("matcher + sentiment + discovery NER", Enricher(matcher, scorer, disc))):
        rates = [run(enr, mentions, args.batch) for _ in range(args.runs)]
        print(f"  {label:40s} {statistics.median(rates):8,.0f} mentions/s per core "
              f"({1e6 / statistics.median(rates):,.0f} µs each)")
    # discovery alone, split
    toks = [[w for w, _, _ in tokenize(t)] for t in texts]
    sp, crf = [], []
    for _ in range(args.runs):
        t0 = time.process_time()
        aux = disc._spacy.tag(toks, batch_size=args.batch) if disc._spacy is not None else None
        t1 = time.process_time()
        disc.tag_tokens_with_aux(toks, aux)
        t2 = time.process_time()
        sp.append(t1 - t0)
        crf.append(t2 - t1)
    n = len(toks)
    print(f"  discovery, spaCy feature pass            {1e6 * statistics.median(sp) / n:8,.0f} µs/mention")
    print(f"  discovery, CRF features + tagging        {1e6 * statistics.median(crf) / n:8,.0f} µs/mention")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
