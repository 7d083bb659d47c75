"""Watchlist matcher: precision/recall and speed.

    .venv/bin/python -m bench.entities_matcher            # quality on scenarios + adversarial set, speed (10k watchlist)
    .venv/bin/python -m bench.entities_matcher --runs 7

Quality: every built-in scenario (``streams.scenarios.generate(name, seed=7)``,
ground truth ``mention_entities``) and the hand-written adversarial set
(``bench/entities_adversarial.py``), default watchlist, micro P/R over
(mention, entity) pairs.
Speed: single process, CPU time (``time.process_time``) so that other load on the
machine does not count; mentions/s per core, median of ``--runs`` runs over the
kindle-1984 scenario texts, with the default watchlist and with a synthetic
10,000-entity watchlist (seeded; 3 aliases, a handle, a hashtag each, 5% with an
ambiguous alias) merged into it. A share of the texts is rewritten to mention
synthetic entities so that the big list is actually hit.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bench.entities_adversarial import CASES
from streams.nlp.matcher import WatchlistMatcher
from streams.scenarios import generate
from streams.watchlist import Watchlist, load_watchlist

SCENARIOS = ["kindle-1984", "united-guitars", "sonos-praise", "bot-flood", "quiet-day"]
SYLL = ["ka", "lo", "mi", "ter", "zen", "vo", "qui", "bra", "dex", "nor", "ul", "pha", "sy", "gor", "tin",
        "vel", "ax", "om", "rev", "sta", "lu", "fi", "cor", "nex", "pri", "mo", "da", "xi", "bel", "tra"]
COMMON = ["bank", "shell", "target", "gap", "orange", "jaguar", "corona", "mercury", "puma", "oracle"]


def synthetic_watchlist(n: int, base: Watchlist, seed: int = 11) -> Watchlist:
    r = random.Random(seed)
    ents = [e.model_dump() for e in base.entities]
    seen: set[str] = set()
    for i in range(n):
        while True:
            w1 = "".join(r.choices(SYLL, k=r.randint(2, 3)))
            w2 = "".join(r.choices(SYLL, k=r.randint(2, 3)))
            if w1 not in seen:
                seen.add(w1)
                break
        name = f"{w1.title()} {w2.title()}" if r.random() < 0.6 else w1.title()
        ent = {
            "id": f"syn-{i:05d}",
            "name": name,
            "aliases": [w1 + " " + x for x in ("group", "app", "inc")[: r.randint(1, 3)]],
            "handles": ["@" + w1 + w2],
            "hashtags": ["#" + w1],
        }
        if r.random() < 0.05:
            ent["ambiguous"] = [{"alias": r.choice(COMMON) + " " + w2, "require_any": ["stock", "ceo"],
                                 "exclude_any": ["fruit"]}]
        ents.append(ent)
    return Watchlist.model_validate({"version": 1, "entities": ents})


def prf(matcher: WatchlistMatcher, items: list[tuple[str, set[str]]]) -> tuple[float, float, int, list]:
    tp = fp = fn = 0
    errors = []
    for text, gold in items:
        pred = {h.entity_id for h in matcher.match(text)}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if pred != gold:
            errors.append((text, sorted(gold), sorted(pred)))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return 100 * p, 100 * r, tp + fn, errors


def speed(matcher: WatchlistMatcher, texts: list[str], runs: int) -> float:
    rates = []
    for _ in range(runs):
        t0 = time.process_time()
        for t in texts:
            matcher.match(t)
        rates.append(len(texts) / (time.process_time() - t0))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--entities", type=int, default=10_000)
    ap.add_argument("--show-errors", type=int, default=5)
    args = ap.parse_args(argv)

    base = load_watchlist("streams/data/watchlist.yaml")
    m = WatchlistMatcher(base)
    print("quality, default watchlist (micro P/R over (mention, entity) pairs):")
    texts: list[str] = []
    for name in SCENARIOS:
        sc = generate(name, seed=7)
        items = [(x["text"], set(sc.mention_entities.get(x["id"], []))) for x in sc.mentions]
        if name == "kindle-1984":
            texts = [t for t, _ in items]
        p, r, n, errs = prf(m, items)
        print(f"  scenario {name:15s} mentions={len(items):6d} true pairs={n:6d}  P={p:6.2f}  R={r:6.2f}")
        for e in errs[: args.show_errors]:
            print("     miss/extra:", e)
    p, r, n, errs = prf(m, CASES)
    print(f"  adversarial set          cases={len(CASES):6d} true pairs={n:6d}  P={p:6.2f}  R={r:6.2f}")
    for e in errs:
        print("     miss/extra:", e)

    print(f"\nspeed (CPU time, one process, median of {args.runs}):")
    t0 = time.process_time()
    m = WatchlistMatcher(base)
    print(f"  default watchlist ({len(base.entities)} entities): build {1e3 * (time.process_time() - t0):.1f} ms, "
          f"{speed(m, texts, args.runs):,.0f} mentions/s")
    big = synthetic_watchlist(args.entities, base)
    t0 = time.process_time()
    mb = WatchlistMatcher(big)
    build = time.process_time() - t0
    r = random.Random(3)
    syn = [e for e in big.entities if e.id.startswith("syn-")]
    mixed = []
    for t in texts:
        if r.random() < 0.3:
            e = r.choice(syn)
            form = r.choice([e.name, *e.aliases, *e.handles, *e.hashtags])
            t = f"{t} also {form} today"
        mixed.append(t)
    hit = sum(1 for t in mixed if mb.match(t)) / len(mixed)
    print(f"  synthetic watchlist ({len(big.entities)} entities): build {build:.2f} s, "
          f"{speed(mb, mixed, args.runs):,.0f} mentions/s ({100 * hit:.0f}% of texts match something)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
