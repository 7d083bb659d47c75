"""``repwatch demo``: embedded broker + worker + scenario replay + live view + summary."""

from __future__ import annotations

import argparse

from streams.scenarios import SCENARIOS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="all-in-one: embedded broker, worker, scenario replay, live view, summary",
        description=(
            "Start the embedded broker on a free loopback port and a worker, replay a built-in "
            "scenario (hours of mentions compressed to about a minute, event times preserved), show "
            "progress and a live per-entity view, and end with a summary: which entities went "
            "critical, when (event time), the score and the evidence. Exit 0 when the scenario's "
            "expected outcome was observed."
        ),
    )
    p.add_argument("--scenario", default="kindle-1984", choices=list(SCENARIOS), help="scenario (default kindle-1984)")
    p.add_argument("--duration", type=float, default=60.0, help="replay wall time in seconds (default 60)")
    p.add_argument("--seed", type=int, default=7, help="scenario seed (default 7)")
    p.add_argument("--web-port", type=int, default=None, help="worker /metrics port (default 6066, or a free one)")
    p.add_argument("--keep-logs", action="store_true", help="print where the worker and broker logs are")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams.demo import run_demo

    return run_demo(args)
