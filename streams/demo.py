"""The all-in-one demo: embedded broker, a worker, a scenario replay, a live view, a summary.

Everything runs as real processes over TCP: the broker (Tansu), the Faust worker
(``repwatch worker``), a kafka-python producer and a kafka-python consumer of the
risk topic. Nothing is mocked; the demo is what a user would run by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from streams.broker import EmbeddedBroker, free_port, port_free
from streams.errors import RepwatchError
from streams.scenarios import generate


def scrape(port: int) -> dict[str, float]:
    """Flat {series: value} of the worker's /metrics (empty on error)."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
            text = resp.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            key = s.name + ("{" + ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) + "}" if s.labels else "")
            out[key] = s.value
    return out


def wait_ready(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RepwatchError(f"worker exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RepwatchError(f"worker not ready within {timeout:.0f}s")


class RiskReader(threading.Thread):
    """Reads the risk topic with a plain kafka-python consumer, as a downstream service would."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topic = bootstrap, topic
        self.events: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from kafka import KafkaConsumer

        consumer = KafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest",
            group_id=None, consumer_timeout_ms=500,
        )
        seen: set[str] = set()
        while not self.stop.is_set():
            for msg in consumer:
                ev = json.loads(msg.value)
                if ev["event_id"] not in seen:  # idempotent consumer: de-duplicate on event_id
                    seen.add(ev["event_id"])
                    self.events.append(ev)
        consumer.close()


def _bar(score: float, width: int = 20) -> str:
    n = int(round(score / 100 * width))
    return "█" * n + "·" * (width - n)


def live_view(metrics: dict[str, float], produced: int, total: int, events: int) -> str:
    processed = int(metrics.get("repwatch_mentions_processed_total", 0))
    rows = []
    for key, val in metrics.items():
        if key.startswith("repwatch_entity_risk_score{"):
            ent = key.split("entity=")[1].split(",")[0]
            sev = int(metrics.get(key.replace("risk_score", "severity"), 0))
            rows.append((val, ent, ("ok", "watch", "warning", "critical")[sev]))
    rows.sort(reverse=True)
    lines = [f"  produced {produced:>6}/{total}  processed {processed:>6}  risk events {events}"]
    for val, ent, sev in rows[:5]:
        lines.append(f"    {ent:18s} {_bar(val)} {val:5.1f}  {sev}")
    return "\n".join(lines)


def run_demo(args) -> int:  # noqa: C901 - a linear script
    sc = generate(args.scenario, seed=args.seed)
    records = [json.dumps(m, separators=(",", ":")).encode() for m in sc.mentions]
    workdir = Path(tempfile.mkdtemp(prefix="repwatch-demo-"))
    print(f"repwatch demo — scenario {sc.name}: {sc.description}")
    print(f"  {len(records)} mentions, event time {sc.truth['start']} → {sc.truth['end']}; "
          f"replayed over ~{args.duration:.0f}s wall time (event times preserved)")
    web_port = args.web_port or (6066 if port_free(6066) else free_port())
    broker = EmbeddedBroker(log_path=workdir / "broker.log").start()
    print(f"  embedded broker on {broker.bootstrap}")
    env = {
        **os.environ,
        "RRM_KAFKA_BOOTSTRAP": broker.bootstrap,
        "RRM_BROKER_PROFILE": "embedded",
        "RRM_WEB_PORT": str(web_port),
        "RRM_WEB_HOST": "127.0.0.1",
        "RRM_APP_ID": "repwatch-demo",
        "RRM_DATA_DIR": str(workdir / "data"),
        "RRM_IDLE_SOURCE_SECONDS": os.environ.get("RRM_IDLE_SOURCE_SECONDS", "3"),
    }
    wlog = open(workdir / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env, stdout=wlog, stderr=subprocess.STDOUT)
    reader: RiskReader | None = None
    try:
        t0 = time.monotonic()
        wait_ready(web_port, worker, timeout=90)
        print(f"  worker ready in {time.monotonic() - t0:.1f}s; metrics at http://127.0.0.1:{web_port}/metrics")
        from streams.commands.produce import key_of, paced
        from streams.settings import load_settings

        settings = load_settings(kafka_bootstrap=broker.bootstrap)
        reader = RiskReader(broker.bootstrap, settings.risk_topic)
        reader.start()
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=20, acks="all")
        progress = {"n": 0}

        def _produce() -> None:
            for i, rec in paced(records, len(records) / args.duration):
                producer.send(settings.input_topic, key=key_of(rec), value=rec)
                progress["n"] = i + 1
            producer.flush()

        pt = threading.Thread(target=_produce, daemon=True)
        pt.start()
        last = 0.0
        while pt.is_alive():
            time.sleep(0.2)
            if time.monotonic() - last >= 5:
                last = time.monotonic()
                print(live_view(scrape(web_port), progress["n"], len(records), len(reader.events)), flush=True)
        producer.close()
        print(f"  replay done in {time.monotonic() - t0:.1f}s; waiting for the last buckets to close…", flush=True)
        # Drain: all input processed, then the sources go idle and the watermark closes the rest.
        deadline = time.monotonic() + 90
        stable_since, last_closed = time.monotonic(), -1.0
        while time.monotonic() < deadline:
            m = scrape(web_port)
            done = m.get("repwatch_mentions_consumed_total", 0) >= len(records)
            closed = m.get("repwatch_buckets_closed_total", 0)
            if closed != last_closed:
                stable_since, last_closed = time.monotonic(), closed
            if done and time.monotonic() - stable_since > 8:
                break
            time.sleep(1)
        time.sleep(1.5)
        metrics = scrape(web_port)
        print(live_view(metrics, len(records), len(records), len(reader.events)))
        return _summary(sc, reader.events, metrics)
    finally:
        if reader is not None:
            reader.stop.set()
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        broker.stop()
        wlog.close()
        if getattr(args, "keep_logs", False):
            print(f"  logs: {workdir}/worker.log, {workdir}/broker.log")


def _summary(sc, events: list[dict], metrics: dict[str, float]) -> int:
    print("\n=== summary ===")
    rej = {k.split("reason=")[1].rstrip("}"): int(v) for k, v in metrics.items()
           if k.startswith("repwatch_mentions_rejected_total{") and v}
    print(f"mentions processed: {int(metrics.get('repwatch_mentions_processed_total', 0))}, "
          f"rejected: {rej or 0}, late dropped: {int(metrics.get('repwatch_mentions_late_dropped_total', 0))}, "
          f"buckets closed: {int(metrics.get('repwatch_buckets_closed_total', 0))}, risk events: {len(events)}")
    critical: dict[str, dict] = {}
    for ev in sorted(events, key=lambda e: e["window_end"]):
        if ev["severity"] == "critical" and ev["entity_id"] not in critical:
            critical[ev["entity_id"]] = ev
    incidents = {ev["incident_id"] for ev in events if ev.get("incident_id")}
    print(f"incidents: {len(incidents)}; entities that went critical: {', '.join(critical) or 'none'}")
    onset = datetime.fromisoformat(sc.truth["onset"]) if sc.truth["onset"] else None
    for eid, ev in critical.items():
        end = datetime.fromisoformat(ev["window_end"].replace("Z", "+00:00"))
        delay = f" — {int((end - onset).total_seconds() // 60)} min after onset" if onset and eid == sc.truth["entity_id"] else ""
        print(f"\n■ {ev['entity_name']} ({eid}, team {ev['team']}) CRITICAL at {ev['window_end']} (event time){delay}")
        print(f"  risk {ev['risk_score']:.1f}/100; {ev['negative_volume']} negative of {ev['observed_volume']} mentions "
              f"(expected {ev['expected_volume']:.1f}); {ev['unique_authors']} authors; reach {int(ev['reach']):,}")
        for r in ev.get("reasons", [])[:4]:
            print(f"  · {r}")
        if ev["evidence"]["top_terms"]:
            print(f"  top terms: {', '.join(ev['evidence']['top_terms'])}")
        for p in ev["evidence"]["top_posts"][:3]:
            print(f"  ❝{p['text'][:110]}❞ — {p['author_handle']} ({p['reach']:,} followers)")
    expected = sc.truth["expected"]
    target = sc.truth["entity_id"]
    if expected == "critical":
        ok = target in critical
        verdict = f"expected {target} to go critical: {'yes' if ok else 'NO'}"
    else:
        ok = not critical
        verdict = f"expected no critical page: {'none' if ok else 'PAGED ' + ', '.join(critical)}"
    print(f"\nverdict: {verdict}")
    return 0 if ok else 1
