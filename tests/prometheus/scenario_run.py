"""One end-to-end scenario run: broker, worker, Prometheus, Alertmanager, webhook.

Used by the paging tests (module-scoped fixtures). Everything runs on loopback
ports in a temporary directory and is stopped by :meth:`ScenarioRun.close`.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from promstack import (
    AM_CONFIG,
    RULES,
    TIME_DIVISOR,
    Alertmanager,
    Notification,
    Proc,
    Prometheus,
    WebhookReceiver,
    fast_alertmanager_config,
    fast_rules,
    free_port,
    http_json,
    http_text,
    start_proc,
    wait_until,
)

REPWATCH = str(Path(sys.executable).with_name("repwatch"))
#: the seed `repwatch produce` uses by default
SCENARIO_SEED = 7
#: wall time over which the baseline days before the surge onset are replayed
BASELINE_SECONDS = float(os.environ.get("RRM_TEST_BASELINE_SECONDS", "50"))


@dataclass
class ScenarioRun:
    workdir: Path
    scenario: str
    hook: WebhookReceiver = field(init=False)
    am: Alertmanager | None = field(init=False, default=None)
    prom: Prometheus | None = field(init=False, default=None)
    broker: object | None = field(init=False, default=None)
    worker: Proc | None = field(init=False, default=None)
    worker_url: str = field(init=False, default="")
    truth: dict = field(init=False, default_factory=dict)
    mentions: int = field(init=False, default=0)
    t_start: float = field(init=False, default=0.0)
    t_replay_start: float = field(init=False, default=0.0)
    t_onset: float | None = field(init=False, default=None)
    event_seconds_replayed: float = field(init=False, default=0.0)
    t_replay_end: float = field(init=False, default=0.0)
    rate: float = field(init=False, default=0.0)

    # ------------------------------------------------------------------ start
    def start(self) -> ScenarioRun:
        from streams.broker import EmbeddedBroker

        self.t_start = time.time()
        self.hook = WebhookReceiver()
        am_cfg = self.workdir / "alertmanager.yml"
        fast_alertmanager_config(AM_CONFIG, am_cfg, self.hook.base_url)
        self.am = Alertmanager(self.workdir, am_cfg)

        self.broker = EmbeddedBroker(log_path=self.workdir / "broker.log").start()
        web_port = free_port()
        self.worker_url = f"http://127.0.0.1:{web_port}"
        self.env = {
            **os.environ,
            "RRM_KAFKA_BOOTSTRAP": self.broker.bootstrap,
            "RRM_BROKER_PROFILE": "embedded",
            "RRM_APP_ID": f"rw-prom-{self.scenario}-{uuid.uuid4().hex[:8]}",
            "RRM_WEB_HOST": "127.0.0.1",
            "RRM_WEB_PORT": str(web_port),
            "RRM_DATA_DIR": str(self.workdir / "worker-data"),
            "RRM_LOG_LEVEL": "WARNING",
        }
        self.worker = start_proc("worker", [REPWATCH, "worker"], self.workdir, env=self.env)
        try:
            wait_until(self._worker_ready, 120, interval=0.5, what="worker /readyz")
        except TimeoutError:
            raise RuntimeError("worker not ready:\n" + self.worker.log_tail()) from None

        # Rules are loaded once the worker is being scraped: before Prometheus's first
        # scrape (a few seconds after its start, not scaled), `up` is absent and the
        # test copy of RepwatchNoWorkerUp (for: 5m -> 5 s) would page for real.
        self.prom = Prometheus(self.workdir, [f"127.0.0.1:{web_port}"], [], alertmanager=self.am.address)
        wait_until(self.prom.targets_up, 30, what="Prometheus scraping the worker")
        rules = self.workdir / "repwatch-rules.yaml"
        fast_rules(RULES, rules)
        self.prom.load_rules(rules)
        return self

    def _worker_ready(self) -> bool:
        if self.worker is not None and self.worker.popen.poll() is not None:
            raise RuntimeError(f"worker exited with {self.worker.popen.returncode}:\n{self.worker.log_tail()}")
        try:
            return bool(http_json(self.worker_url + "/readyz", timeout=1).get("ready"))
        except Exception:  # noqa: BLE001 - 503 while not ready
            return False

    # ------------------------------------------------------------------ replay
    def replay(self, surge_hours: float | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Publish the scenario in two phases and note the wall time of the surge onset.

        1. The baseline days before the onset, at a uniform pace over
           ``BASELINE_SECONDS`` (``repwatch produce``'s code): the detector learns
           its baselines.
        2. From the onset on, at event-time pace compressed ``TIME_DIVISOR`` times:
           the same scaling as the test copies of the rules and of Alertmanager, so
           a risk score held for one 5-minute bucket lasts 5 s of wall time against
           a `for:` of 2 s, exactly as 5 minutes against 2 minutes in production.
           Runs for ``surge_hours`` of event time (default: to the end), or until
           ``stop()`` is true (checked between records).
        """
        from kafka import KafkaProducer

        from streams.commands.produce import produce
        from streams.kafka_admin import kafka_python_config
        from streams.scenarios import generate
        from streams.settings import load_settings

        sc = generate(self.scenario, seed=SCENARIO_SEED)
        self.truth = sc.truth
        onset = datetime.fromisoformat(sc.truth["onset"]).timestamp()
        times = [datetime.fromisoformat(m["created_at"].replace("Z", "+00:00")).timestamp() for m in sc.mentions]
        split = next(i for i, t in enumerate(times) if t >= onset)
        last = len(times) if surge_hours is None else next(
            (i for i, t in enumerate(times) if t >= onset + surge_hours * 3600), len(times))
        records = [json.dumps(m, separators=(",", ":")).encode() for m in sc.mentions[:last]]
        self.mentions = last
        settings = load_settings(kafka_bootstrap=self.broker.bootstrap, broker_profile="embedded")

        self.rate = split / BASELINE_SECONDS
        self.t_replay_start = time.time()
        produce(records[:split], self.rate, quiet=True, settings=settings)

        producer = KafkaProducer(**kafka_python_config(settings), linger_ms=5, acks="all")
        try:
            self.t_onset = t0 = time.time()
            for i in range(split, last):
                delay = t0 + (times[i] - onset) / TIME_DIVISOR - time.time()
                if delay > 0:
                    time.sleep(delay)
                if stop is not None and stop():
                    self.mentions = i
                    break
                producer.send(settings.input_topic, key=sc.mentions[i]["id"].encode(), value=records[i])
            producer.flush()
        finally:
            producer.close()
        self.t_replay_end = time.time()
        self.event_seconds_replayed = (times[self.mentions - 1] - times[0]) if self.mentions else 0.0

    def processed_all(self) -> bool:
        """The worker has consumed every record of the replay."""
        text = http_text(self.worker_url + "/metrics", timeout=2)
        for line in text.splitlines():
            if line.startswith("repwatch_mentions_consumed_total "):
                return float(line.split()[1]) >= self.mentions
        return False

    # ------------------------------------------------------------------ results
    def notifications(self, path_suffix: str | None = None) -> list[Notification]:
        return [n for n in self.hook.snapshot() if path_suffix is None or n.path.endswith(path_suffix)]

    def pages(self) -> list[Notification]:
        return [n for n in self.hook.snapshot() if n.path.endswith("/page")]

    def close(self) -> None:
        for stop in (
            lambda: self.prom and self.prom.stop(),
            lambda: self.worker and self.worker.stop(timeout=15),
            lambda: self.broker and self.broker.stop(),
            lambda: self.am and self.am.stop(),
            lambda: self.hook.stop(),
        ):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - stop everything we can
                print(f"teardown: {exc}", file=sys.stderr)
