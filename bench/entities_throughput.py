"""Throughput of the whole enrichment step per core, with and without statistical NER.

    .venv/bin/python -m bench.entities_throughput               # 3 runs of 2,000 mentions each
    .venv/bin/python -m bench.entities_throughput --n 5000 --runs 5
    .venv/bin/python -m bench.entities_throughput --model OTHER.crfsuite   # A/B two models
    .venv/bin/python -m bench.entities_throughput --contextual  # + the contextual NER (RRM_NER=contextual)

The step is ``streams.enrich.Enricher.enrich`` (watchlist matcher for the default
watchlist + ``build_sentiment('default')`` + optionally the discovery CRF, which
runs spaCy ``en_core_web_sm`` for its features) on batches of ``--batch`` decoded
mentions of the kindle-1984 scenario (seed 7). Cost is CPU time of this process
(``time.process_time``), so mentions/s is per core whatever else runs on the
machine; threads are pinned to 1. Median of ``--runs``. Also reported: the
discovery CRF alone, split into its spaCy feature pass and the CRF proper; hashtag
discovery (``RRM_DISCOVER_HASHTAGS``) in the step and, on the SemEval tweets of
``../shared/data/sentiment`` (real tweets, which carry more non-watchlist hashtags than the
scenario), its cost per tweet and how many tweets and distinct hashtag entities it yields.
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
from streams.nlp.discovery import HashtagDiscoverer, load_discoverer, tokenize, watchlist_keys  # noqa: E402
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
    ap.add_argument("--contextual", action="store_true",
                    help="also time the step with the contextual discovery model (CRF + MiniLM features)")
    args = ap.parse_args(argv)

    sc = generate("kindle-1984", seed=7)
    mentions = [decode_mention(json.dumps(m).encode()) for m in sc.mentions[: args.n]]
    wl = load_watchlist("streams/data/watchlist.yaml")
    matcher, scorer = build_matcher(wl), build_sentiment("default")
    disc = load_discoverer(wl, model_path=args.model)
    texts = [m.text for m in mentions]
    disc.discover_batch(texts[:500])  # warm-up (spaCy vocab, tokenizer caches)
    print(f"{len(mentions)} mentions, batch {args.batch}, sentiment={scorer.name}, median of {args.runs} runs")
    tags = HashtagDiscoverer(watchlist_keys(wl))
    configs = (("matcher + sentiment", Enricher(matcher, scorer)),
               ("matcher + sentiment + hashtag discovery", Enricher(matcher, scorer, tags)),
               ("matcher + sentiment + discovery NER", Enricher(matcher, scorer, disc)))
    if args.contextual:
        configs += (("matcher + sentiment + contextual NER",
                     Enricher(matcher, scorer, load_discoverer(wl, contextual=True))),)
    rates: dict[str, list[float]] = {label: [] for label, _ in configs}
    for _label, enr in configs:  # warm-up pass (caches, lazy imports), not timed
        run(enr, mentions[:500], args.batch)
    for _ in range(args.runs):  # interleaved, so drifting machine load hits every configuration alike
        for label, enr in configs:
            rates[label].append(run(enr, mentions, args.batch))
    for label, _ in configs:
        med = statistics.median(rates[label])
        print(f"  {label:40s} {med:8,.0f} mentions/s per core ({1e6 / med:,.0f} µs each)")
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
    hashtag_density(tags, matcher, args.runs)
    return 0


def hashtag_density(tags: HashtagDiscoverer, matcher: object, runs: int) -> None:
    """Hashtag discovery on real tweets: cost, and how much new entity state it would create."""
    try:
        from bench.sentiment_data import load_corpora

        texts = list(load_corpora().train.texts)
    except (OSError, SystemExit) as exc:
        print(f"  (hashtag density on real tweets skipped: {exc})")
        return
    cpu = []
    for _ in range(runs):
        t0 = time.process_time()
        found = tags.discover_batch(texts)
        cpu.append(time.process_time() - t0)
    with_tag = sum(1 for f in found if f)
    ids = {h.entity_id for f in found for h in f}
    no_entity = sum(1 for t, f in zip(texts, found, strict=True) if f and not matcher.match(t))  # type: ignore[attr-defined]
    print(f"  hashtag discovery on {len(texts):,} SemEval tweets: {1e6 * statistics.median(cpu) / len(texts):.1f} "
          f"µs/tweet; {100 * with_tag / len(texts):.1f}% of tweets yield one, {len(ids):,} distinct hashtag "
          f"entities ({1e4 * len(ids) / len(texts):,.0f} per 10k tweets); {100 * no_entity / len(texts):.1f}% of "
          "tweets gain sentiment scoring (no watchlist entity, a hashtag)")


if __name__ == "__main__":
    raise SystemExit(main())
