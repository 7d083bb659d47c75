"""Train the default sentiment model and export it as plain arrays (no pickle).

    .venv/bin/python -m bench.train_sentiment [--out streams/nlp/models/sentiment-linear.npz]

Needs scikit-learn (the ``dev`` extra) and ``../shared/data/sentiment/`` (see
``bench/sentiment_data.py`` for the de-duplication, the removal of TweetEval-val
tweets and the held-out split). Takes under a minute on one busy core.

The artefact (``numpy.savez_compressed``) holds: ``features`` (JSON list of feature
strings), ``weights`` (n_features x 3, classes negative/neutral/positive), ``bias`` (3),
``idf`` (n_features), ``lexicon`` (JSON word -> valence, from VADER's MIT-licensed
lexicon) and ``meta`` (JSON: version, featurizer settings, data provenance, scores).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from bench.sentiment_data import load_corpora, macro_recall
from streams.nlp.sentiment import DEFAULT_MODEL_PATH, Featurizer, segmentation_words, vader_lexicon

MIN_DF = 3
C = 1.0
MIN_WORD_COUNT = 3


def _matrix(feats: list[list[str]], vocab: dict[str, int], idf: np.ndarray):  # type: ignore[no-untyped-def]
    from scipy import sparse

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, fs in enumerate(feats):
        cnt = collections.Counter(vocab[f] for f in fs if f in vocab)
        for j, n in cnt.items():
            rows.append(r)
            cols.append(j)
            vals.append((1.0 + np.log(n)) * idf[j])
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(feats), len(vocab)), dtype=np.float64)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ x


def train(out: Path, seed: int = 0, segment_tags: bool = True) -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    corp = load_corpora()
    print(f"data: {corp.stats}", file=sys.stderr)
    lex = vader_lexicon()

    # known plain words (for undoing elongations), from training text only
    plain = Featurizer(lex, (), (0, 0), word_bigrams=False, vader=False)
    counts: collections.Counter[str] = collections.Counter()
    for t in corp.train.texts:
        counts.update(w for w in plain.tokens(t)[0] if w.isalpha())
    vocab_words = sorted(w for w, n in counts.items() if n >= MIN_WORD_COUNT and w not in lex)

    seg = segmentation_words() if segment_tags else None
    fz = Featurizer(lex, vocab_words, (0, 0), word_bigrams=True, vader=True, segment_words=seg)
    f_train = [fz.features(t) for t in corp.train.texts]
    df: collections.Counter[str] = collections.Counter()
    for fs in f_train:
        df.update(set(fs))
    features = sorted(f for f, n in df.items() if n >= MIN_DF)
    vocab = {f: i for i, f in enumerate(features)}
    n_docs = len(f_train)
    dfv = np.array([df[f] for f in features], dtype=np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + dfv)) + 1.0
    print(f"features: {len(features)} ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)

    x_train = _matrix(f_train, vocab, idf)
    y_train = np.array(corp.train.labels)
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=3000, random_state=seed)
    clf.fit(x_train, y_train)
    assert list(clf.classes_) == [-1, 0, 1], clf.classes_
    print(f"fitted ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)

    scores = {}
    for name, split in (("tweeteval_val", corp.val), ("semeval_heldout", corp.heldout)):
        pred = clf.predict(_matrix([fz.features(t) for t in split.texts], vocab, idf)).tolist()
        scores[name] = round(macro_recall(split.labels, pred), 2)
    print(f"macro-recall (sklearn): {scores}", file=sys.stderr)

    used_lex = {w: v for w, v in lex.items()}
    # the version names the weights, not just the day: two models trained the same day differ
    digest = hashlib.sha256(clf.coef_.astype(np.float32).tobytes() + json.dumps(features).encode()).hexdigest()[:8]
    meta = {
        "version": f"linear-{dt.date.today().isoformat()}-{digest}",
        "model": f"multinomial logistic regression, C={C}, class_weight=balanced, sublinear tf-idf, l2",
        "char_ngrams": [0, 0],
        "word_bigrams": True,
        "vader": True,
        "segment_tags": "wordsegment 1.3.1 unigrams, top 50,000 words (Apache 2.0; Norvig's Google Web 1T counts)"
        if segment_tags else None,
        "min_df": MIN_DF,
        "vocab_words": vocab_words,
        "training_data": "SemEval 2013-2016 Task 4A English tweets (Twitter's terms of use), "
                         "de-duplicated, TweetEval-val tweets removed (incl. near-duplicates), "
                         "10% held out by text hash",
        "data_stats": corp.stats,
        "lexicon": "VADER 3.3.2 lexicon + emoji descriptions (MIT)",
        "sklearn_scores": scores,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        meta=np.array(json.dumps(meta)),
        features=np.array(json.dumps(features, ensure_ascii=False)),
        weights=clf.coef_.T.astype(np.float32),
        bias=clf.intercept_.astype(np.float32),
        idf=idf.astype(np.float32),
        lexicon=np.array(json.dumps(used_lex, ensure_ascii=False)),
        **({"segment_words": np.array(json.dumps(seg))} if seg else {}),
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - t0:.0f}s",
          file=sys.stderr)
    return scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="artefact path (.npz)")
    ap.add_argument("--no-segment-tags", action="store_true",
                    help="read a compound hashtag as one token (the recipe before 2026-11-22, fourth session)")
    args = ap.parse_args(argv)
    train(args.out, segment_tags=not args.no_segment_tags)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
