"""`repwatch entities`: tag a CoNLL file with WNUT-17 entity types (BIO)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from streams.errors import ConfigError

DESCRIPTION = """\
Predict named entities for every token of a CoNLL file with the shipped discovery
model (a CRF over word, shape, context, gazetteer and spaCy en_core_web_sm features).
With --contextual, the CRF that also reads MiniLM contextual token features (more
accurate, ~7x slower; needs scripts/install-contextual.sh; RRM_NER=contextual in the
worker). Measured quality of both: BENCHMARKS.md, "Discovery".

Input: one token per line (first column is the token; any further columns, e.g. gold
tags, are ignored), a blank line between documents. Output: the same tokens and
documents, each line "TOKEN<TAB>TAG" with a BIO tag in WNUT-17's types: person,
location, corporation, group, product, creative-work (or O).

Example:
  repwatch entities --conll ../shared/data/ner/wnut17/emerging.dev.conll --out pred.conll
  repwatch entities --contextual --conll tweets.conll --out -
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "entities",
        help="tag a CoNLL file with WNUT-17 entity BIO tags",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--conll", required=True, metavar="IN", help="CoNLL input ('-' for stdin)")
    p.add_argument("--out", required=True, metavar="OUT", help="output file ('-' for stdout)")
    p.add_argument("--model", default=None, metavar="PATH", help="CRF model file (default: the shipped one)")
    p.add_argument("--contextual", action="store_true",
                   help="use the shipped contextual model (CRF + MiniLM token features) instead")
    p.add_argument("--batch-size", type=int, default=256, help="documents per tagging batch (default 256)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams.nlp.discovery import CONTEXTUAL_MODEL, DEFAULT_MODEL, CrfDiscoverer, read_conll

    if args.model and args.contextual:
        raise ConfigError("--model and --contextual are exclusive: --contextual picks the shipped contextual model")

    if args.conll == "-":
        docs = read_conll(sys.stdin)
    else:
        path = Path(args.conll)
        try:
            with open(path, encoding="utf-8") as fh:
                docs = read_conll(fh)
        except FileNotFoundError:
            raise ConfigError(f"--conll: file {str(path)!r} not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--conll: cannot read {str(path)!r}: {exc}") from None
    tokens = [[row[0] for row in doc] for doc in docs]
    tagger = CrfDiscoverer(args.model or (CONTEXTUAL_MODEL if args.contextual else DEFAULT_MODEL))
    size = max(1, args.batch_size)
    tags: list[list[str]] = []
    for i in range(0, len(tokens), size):
        tags.extend(tagger.tag_tokens(tokens[i : i + size]))
    lines: list[str] = []
    for toks, tg in zip(tokens, tags, strict=True):
        lines.extend(f"{t}\t{g}" for t, g in zip(toks, tg, strict=True))
        lines.append("")
    text = "\n".join(lines) + ("\n" if lines else "")
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--out: cannot write {args.out!r}: {exc}") from None
    print(f"tagged {len(tokens)} documents, {sum(map(len, tokens))} tokens", file=sys.stderr)
    return 0
