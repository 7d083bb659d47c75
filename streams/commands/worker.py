"""``repwatch worker``: run the Faust worker."""

from __future__ import annotations

import argparse
import logging
import sys

from streams.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="run a Faust worker (enrich + aggregate agents, /metrics)",
        description=(
            "Run one repwatch worker against RRM_KAFKA_BOOTSTRAP (default 127.0.0.1:9092). It "
            "consumes RRM_INPUT_TOPIC, publishes RiskEvents to RRM_RISK_TOPIC and rejects to "
            "RRM_DLQ_TOPIC, and serves /metrics, /healthz and /readyz on RRM_WEB_PORT. Scale out "
            "by starting more workers with the same RRM_APP_ID. Set RRM_BROKER_PROFILE=embedded "
            "for the local embedded broker."
        ),
    )
    p.add_argument("--check", action="store_true", help="validate settings, watchlist and broker, then exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from prometheus_client import disable_created_metrics

    from streams.app import create_app
    from streams.kafka_admin import ensure_topics
    from streams.watchlist import load_watchlist

    settings = load_settings()
    watchlist = load_watchlist(settings.watchlist)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
    logging.getLogger("repwatch").info("settings: %s", settings.safe_dump())
    created = ensure_topics(settings, [settings.input_topic, settings.risk_topic, settings.dlq_topic])
    if created:
        logging.getLogger("repwatch").info("created topics: %s", ", ".join(created))
    if args.check:
        print(f"ok: settings valid, watchlist has {len(watchlist.entities)} entities, broker reachable")
        return 0
    disable_created_metrics()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pipeline = create_app(settings, watchlist)
    from faust import Worker

    worker = Worker(pipeline.app, loglevel=settings.log_level.lower(), quiet=True)
    worker.execute_from_commandline()
    return 0
