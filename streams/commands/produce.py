"""``repwatch produce``: publish mentions (a built-in scenario or a JSONL file) to the input topic."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from streams.errors import BrokerError, ScenarioError
from streams.settings import load_settings

DEFAULT_DURATION = 60.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "produce",
        help="publish a scenario or a JSONL file of mentions to the input topic",
        description=(
            "Publish mentions to RRM_INPUT_TOPIC on RRM_KAFKA_BOOTSTRAP, keyed by mention id, in "
            "file order (scenarios are in event-time order; event times are preserved, only the "
            "wall-clock pace is compressed). Lines of a file are sent byte for byte, so malformed "
            "lines reach the worker and its dead-letter topic. By default the whole input is "
            f"paced over about {DEFAULT_DURATION:.0f} seconds."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--scenario", metavar="NAME", help="built-in scenario (see 'repwatch scenario --help')")
    src.add_argument("--file", type=Path, metavar="MENTIONS.jsonl", help="one JSON mention per line")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=float, metavar="N", help="mentions per second")
    pace.add_argument("--as-fast-as-possible", action="store_true", help="no pacing")
    pace.add_argument(
        "--duration", type=float, metavar="SECONDS", help=f"spread the input over this long (default {DEFAULT_DURATION:.0f})"
    )
    p.add_argument("--seed", type=int, default=7, help="scenario seed (default 7)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def load_records(scenario: str | None, file: Path | None, seed: int) -> list[bytes]:
    if scenario:
        from streams.scenarios import generate

        sc = generate(scenario, seed=seed)
        return [json.dumps(m, separators=(",", ":")).encode() for m in sc.mentions]
    assert file is not None
    if not file.is_file():
        raise ScenarioError(f"--file {str(file)!r}: no such file")
    with file.open("rb") as fh:
        return [line.rstrip(b"\r\n") for line in fh if line.strip()]


def key_of(record: bytes) -> bytes | None:
    try:
        mid = json.loads(record).get("id")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    return str(mid).encode() if mid is not None else None


def paced(records: list[bytes], rate: float | None) -> Iterator[tuple[int, bytes]]:
    start = time.monotonic()
    for i, rec in enumerate(records):
        if rate:
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield i, rec


def produce(records: list[bytes], rate: float | None, quiet: bool = False, settings=None) -> int:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    from streams.kafka_admin import ensure_topics, kafka_python_config

    settings = settings or load_settings()
    ensure_topics(settings, [settings.input_topic])
    try:
        producer = KafkaProducer(**kafka_python_config(settings), linger_ms=20, acks="all")
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at RRM_KAFKA_BOOTSTRAP={settings.kafka_bootstrap}: {exc}") from None
    total = len(records)
    t0 = last = time.monotonic()
    try:
        for i, rec in paced(records, rate):
            producer.send(settings.input_topic, key=key_of(rec), value=rec)
            now = time.monotonic()
            if not quiet and now - last >= 2.0:
                last = now
                print(f"produced {i + 1:>7}/{total} ({(i + 1) / (now - t0):,.0f}/s)", file=sys.stderr, flush=True)
        producer.flush()
    finally:
        producer.close()
    dt = time.monotonic() - t0
    if not quiet:
        print(f"produced {total} mentions to {settings.input_topic} in {dt:.1f}s ({total / max(dt, 1e-9):,.0f}/s)",
              file=sys.stderr)
    return total


def run(args: argparse.Namespace) -> int:
    records = load_records(args.scenario, args.file, args.seed)
    if args.as_fast_as_possible:
        rate = None
    elif args.rate:
        if args.rate <= 0:
            raise ScenarioError("--rate must be positive")
        rate = args.rate
    else:
        rate = len(records) / (args.duration or DEFAULT_DURATION)
    produce(records, rate, args.quiet)
    return 0
