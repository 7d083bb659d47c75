"""`repwatch backtest` (not implemented yet)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="(not implemented yet)", description="(not implemented yet)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise SystemExit("repwatch backtest: not implemented yet")
