"""``repwatch`` command line: one subcommand per module in ``streams/commands``."""

from __future__ import annotations

import argparse
import importlib
import sys

from streams import __version__
from streams.commands import COMMANDS
from streams.errors import RepwatchError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="repwatch",
        description=(
            "Streaming reputation-risk monitor. Mentions flow from Kafka through Faust "
            "agents (entities, sentiment, event-time buckets, surge detection) to a risk "
            "topic, Prometheus metrics and alerts. Settings come from RRM_* environment "
            "variables (see the README)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"repwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"streams.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RepwatchError as exc:
        print(f"repwatch {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
