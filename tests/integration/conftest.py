"""Fixtures for integration tests: a real embedded Kafka-protocol broker (Tansu) and
real ``repwatch worker`` subprocesses talking to it over TCP.

Other test tiers (tests/prometheus, fault tests) import these helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker, free_port
from streams.demo import scrape

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(log_path=log) as b:
        yield b


@dataclass
class Worker:
    env: dict[str, str]
    web_port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    logs: list[Path] = field(default_factory=list)

    def start(self, ready_timeout: float = 90) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"worker not ready in {ready_timeout}s:\n{self.log_tail()}")

    def metrics(self) -> dict[str, float]:
        return scrape(self.web_port)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, sig: str = "term") -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if sig == "kill":
            self.proc.kill()
        else:
            self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def wait_drained(self, consumed: int, timeout: float = 240, settle: float = 6.0) -> dict[str, float]:
        """Wait until ``consumed`` input records were consumed and bucket closing has settled."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        m: dict[str, float] = {}
        while time.monotonic() < deadline:
            m = self.metrics()
            cur = (m.get("repwatch_mentions_consumed_total"), m.get("repwatch_buckets_closed_total"))
            if cur != last:
                last, since = cur, time.monotonic()
            if (cur[0] or 0) >= consumed and time.monotonic() - since >= settle:
                return m
            time.sleep(0.5)
        raise AssertionError(f"not drained in {timeout}s (metrics consumed={last}):\n{self.log_tail()}")


@dataclass
class Topics:
    input: str
    risk: str
    dlq: str
    entity: str
    app_id: str


def make_topics(prefix: str = "t") -> Topics:
    uid = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return Topics(f"mentions-{uid}", f"risk-{uid}", f"dlq-{uid}", f"partials-{uid}", f"repwatch-{uid}")


def worker_env(broker: EmbeddedBroker, topics: Topics, tmp: Path, **extra: str) -> tuple[dict[str, str], int]:
    port = free_port()
    env = {
        **os.environ,
        "RRM_KAFKA_BOOTSTRAP": broker.bootstrap,
        "RRM_BROKER_PROFILE": "embedded",
        "RRM_INPUT_TOPIC": topics.input,
        "RRM_RISK_TOPIC": topics.risk,
        "RRM_DLQ_TOPIC": topics.dlq,
        "RRM_ENTITY_TOPIC": topics.entity,
        "RRM_APP_ID": topics.app_id,
        "RRM_WEB_PORT": str(port),
        "RRM_WEB_HOST": "127.0.0.1",
        "RRM_DATA_DIR": str(tmp / "data"),
        "RRM_IDLE_SOURCE_SECONDS": "2",
        **extra,
    }
    return env, port


@pytest.fixture
def start_worker(broker: EmbeddedBroker, tmp_path: Path):
    workers: list[Worker] = []

    def _start(topics: Topics, **extra: str) -> Worker:
        env, port = worker_env(broker, topics, tmp_path, **extra)
        w = Worker(env, port, tmp_path / f"worker-{len(workers)}.log")
        workers.append(w)
        return w.start()

    yield _start
    for w in workers:
        w.stop()


def produce(bootstrap: str, topic: str, records: list[bytes], keys: list[bytes | None] | None = None) -> None:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for i, rec in enumerate(records):
        key = keys[i] if keys else None
        while True:
            try:
                p.produce(topic, value=rec, key=key)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    assert p.flush(30) == 0


def read_all(bootstrap: str, topic: str, timeout: float = 8.0) -> list[tuple[bytes | None, bytes]]:
    """Every record of ``topic`` via confluent-kafka: a plain third-party Kafka client."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    # assign() rather than subscribe(): no consumer-group join (slow on the embedded broker)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex[:6]}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    out = []
    idle_deadline = time.monotonic() + timeout
    while time.monotonic() < idle_deadline:
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        out.append((msg.key(), msg.value()))
        idle_deadline = time.monotonic() + 3.0
    c.close()
    return out


def mention_records(mentions: list[dict]) -> tuple[list[bytes], list[bytes]]:
    return [json.dumps(m).encode() for m in mentions], [m["id"].encode() for m in mentions]
