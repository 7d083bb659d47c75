"""``repwatch scenario``: write a built-in scenario's mentions and ground truth to files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from streams.scenarios import SCENARIOS, generate


def register(sub: argparse._SubParsersAction) -> None:
    names = "\n".join(f"  {n:16s} {s.description}" for n, s in SCENARIOS.items())
    p = sub.add_parser(
        "scenario",
        help="write a built-in scenario to a JSONL file (+ ground truth)",
        description=f"Write a built-in scenario's mentions as JSONL and its ground truth as JSON.\n\nScenarios:\n{names}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", choices=list(SCENARIOS), metavar="NAME", help="scenario name (see above)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.jsonl", help="mentions output file")
    p.add_argument("--truth", type=Path, metavar="FILE.json",
                   help="ground-truth output (default: FILE.truth.json next to --out)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7); same seed, same stream")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sc = generate(args.name, seed=args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for m in sc.mentions:
            fh.write(json.dumps(m, ensure_ascii=False, separators=(",", ":")) + "\n")
    truth_path = args.truth or args.out.with_suffix(".truth.json")
    truth = {**sc.truth, "mention_entities": sc.mention_entities}
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(sc.mentions)} mentions to {args.out} and ground truth to {truth_path}")
    return 0
