"""Shared helpers for the entity benchmarks: the NER corpora and entity-level F1.

Data lives outside the repo in ``../shared/data/ner`` (override with ``RRM_NER_DATA``):
WNUT-17 train/dev and the Broad Twitter Corpus (BTC) train/dev, both CC-BY 4.0.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from streams.nlp.discovery import bio_spans, read_conll

REPO = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    env = os.environ.get("RRM_NER_DATA")
    if env:
        return Path(env)
    for cand in (REPO.parent / "shared" / "data" / "ner", Path("/work/shared/data/ner")):
        if cand.is_dir():
            return cand
    raise SystemExit("NER data not found: set RRM_NER_DATA to the shared/data/ner directory")


Doc = tuple[list[str], list[str]]  # tokens, BIO tags

BTC_MAP = {"PER": "person", "LOC": "location", "ORG": "corporation"}


def load_wnut(split: str) -> list[Doc]:
    name = {"train": "wnut17train.conll", "dev": "emerging.dev.conll"}[split]
    with open(data_dir() / "wnut17" / name, encoding="utf-8") as fh:
        rows = read_conll(fh)
    return [([r[0] for r in d], [r[1] if len(r) > 1 else "O" for r in d]) for d in rows]


def load_btc(split: str, org_as: str = "corporation") -> list[Doc]:
    """BTC with WNUT type names. Its CoNLL export splits ``@handle`` into ``@`` +
    ``handle`` (both tagged B-): they are merged back into one token here.
    ORG is mapped to ``org_as`` (BTC does not separate corporations from groups)."""
    mapping = {**BTC_MAP, "ORG": org_as}
    with open(data_dir() / "btc" / f"btc.{split}", encoding="utf-8") as fh:
        rows = read_conll(fh)
    docs: list[Doc] = []
    for d in rows:
        toks: list[str] = []
        tags: list[str] = []
        i = 0
        while i < len(d):
            tok, tag = d[i][0], (d[i][1] if len(d[i]) > 1 else "O")
            if tok == "@" and i + 1 < len(d) and d[i + 1][0][:1].isalnum():
                tok = "@" + d[i + 1][0]
                i += 1
            i += 1
            if tag != "O":
                pre, typ = tag.split("-", 1)
                tag = f"{pre}-{mapping[typ]}"
            toks.append(tok)
            tags.append(tag)
        docs.append((toks, _repair_bio(tags)))
    return docs


def _repair_bio(tags: list[str]) -> list[str]:
    out = []
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or out[-1][2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
    return out


def entity_prf(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    """Exact-span, exact-type entity precision/recall/F1 (conlleval style), overall and per type."""
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs = set(bio_spans(g))
        ps = set(bio_spans(p))
        for s in gs:
            n_gold[s[2]] += 1
        for s in ps:
            n_pred[s[2]] += 1
        for s in gs & ps:
            tp[s[2]] += 1
    out: dict[str, dict[str, float]] = {}
    for typ in sorted(set(n_gold) | set(n_pred)) + ["ALL"]:
        t = sum(tp.values()) if typ == "ALL" else tp[typ]
        ng = sum(n_gold.values()) if typ == "ALL" else n_gold[typ]
        npr = sum(n_pred.values()) if typ == "ALL" else n_pred[typ]
        p = t / npr if npr else 0.0
        r = t / ng if ng else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[typ] = {"p": 100 * p, "r": 100 * r, "f1": 100 * f, "gold": ng, "pred": npr, "tp": t}
    return out


def format_prf(res: dict[str, dict[str, float]]) -> str:
    lines = [f"{'type':15s} {'P':>6s} {'R':>6s} {'F1':>6s} {'gold':>5s} {'pred':>5s}"]
    for typ, m in res.items():
        lines.append(
            f"{typ:15s} {m['p']:6.1f} {m['r']:6.1f} {m['f1']:6.1f} {int(m['gold']):5d} {int(m['pred']):5d}"
        )
    return "\n".join(lines)
