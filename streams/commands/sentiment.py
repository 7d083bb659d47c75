"""`repwatch sentiment`: label each line of a text file negative / neutral / positive."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from streams.errors import ConfigError

DESCRIPTION = """\
Score the sentiment of every line of a text file (one post per line) with the shipped
model and write one label per line, in the same order: negative, neutral or positive.
An empty input line gets a label too (usually neutral), so line numbers always match.

Models: 'default' (shipped linear model: negation, emojis, elongations, hashtags, sarcasm
markers; thousands of posts/s), 'vader' (the VADER baseline). See docs/nlp-sentiment.md.

Examples:
  repwatch sentiment posts.txt                 # labels on stdout
  repwatch sentiment posts.txt --out labels.txt --model vader
  cat posts.txt | repwatch sentiment -
"""

PROGRESS_EVERY_S = 2.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sentiment",
        help="label each line of a text file negative/neutral/positive",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="IN.txt", help="text file, one post per line ('-' for stdin)")
    p.add_argument("--out", default="-", metavar="OUT", help="output file (default: stdout)")
    p.add_argument("--model", default="default", metavar="NAME",
                   help="scorer: default | vader (default: default)")
    p.add_argument("--batch-size", type=int, default=512, help="lines per scoring batch (default 512)")
    p.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    p.set_defaults(func=run)


def _batches(fh: TextIO, size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in fh:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _open_input(name: str) -> TextIO:
    if name == "-":
        return sys.stdin
    path = Path(name)
    if not path.exists():
        raise ConfigError(f"input file {name!r} not found (give a text file with one post per line, or '-')")
    if path.is_dir():
        raise ConfigError(f"input {name!r} is a directory, not a text file")
    try:
        return open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed in run()
    except OSError as exc:
        raise ConfigError(f"cannot read input {name!r}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from streams.nlp import LABEL_NAMES
    from streams.nlp.sentiment import load_scorer

    scorer = load_scorer(args.model)
    fin = _open_input(args.input)
    try:
        fout = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"--out: cannot write {args.out!r}: {exc}") from None
    done = 0
    t0 = last = time.monotonic()
    try:
        for batch in _batches(fin, max(1, args.batch_size)):
            fout.write("".join(LABEL_NAMES[s.label] + "\n" for s in scorer.score_batch(batch)))
            done += len(batch)
            now = time.monotonic()
            if not args.quiet and now - last >= PROGRESS_EVERY_S:
                last = now
                print(f"repwatch sentiment: {done:,} lines ({done / (now - t0):,.0f}/s)", file=sys.stderr)
    finally:
        if fin is not sys.stdin:
            fin.close()
        if fout is not sys.stdout:
            fout.close()
    if not args.quiet and last > t0:
        print(f"repwatch sentiment: done, {done:,} lines with model {scorer.name} {scorer.version}",
              file=sys.stderr)
    return 0
