"""Does a worker under a slow enrichment load still answer its probes?

    .venv/bin/python -m bench.worker_responsiveness [--mentions 3000] [--ner contextual] [--batch-size 500]

Starts the embedded broker and one real `repwatch worker` (RRM_NER and RRM_BATCH_SIZE as
given), publishes the last N mentions of the kindle-1984 scenario at once, and until all are
processed polls `/healthz` then `/metrics` once a second, as a liveness probe and a
Prometheus scrape would. Prints one JSON line: wall time to process the N, polls, polls that
took over 1 s, the slowest poll, and counts of rebalance / heartbeat-failure / traceback lines
in the worker log. Compare commits side by side (e.g. `git worktree`); with contextual NER
needs `scripts/install-contextual.sh` (make does it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from streams.broker import EmbeddedBroker, free_port
from streams.demo import wait_ready
from streams.scenarios import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mentions", type=int, default=3000, help="mentions published (default 3000)")
    ap.add_argument("--ner", default="contextual", choices=["off", "on", "contextual"], help="RRM_NER (default contextual)")
    ap.add_argument("--batch-size", type=int, default=500, help="RRM_BATCH_SIZE (default 500, the setting's default)")
    ap.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds (default 900)")
    args = ap.parse_args(argv)

    from kafka import KafkaProducer

    sc = generate("kindle-1984", seed=7)
    records = [json.dumps(m, separators=(",", ":")).encode() for m in sc.mentions[-args.mentions:]]
    n = len(records)
    work = Path(tempfile.mkdtemp(prefix="repwatch-responsiveness-"))
    broker = EmbeddedBroker(log_path=work / "broker.log").start()
    port = free_port()
    env = {
        **os.environ, "RRM_KAFKA_BOOTSTRAP": broker.bootstrap, "RRM_BROKER_PROFILE": "embedded",
        "RRM_WEB_PORT": str(port), "RRM_WEB_HOST": "127.0.0.1", "RRM_APP_ID": "repwatch-responsiveness",
        "RRM_DATA_DIR": str(work / "data"), "RRM_NER": args.ner, "RRM_BATCH_SIZE": str(args.batch_size),
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
    }
    wlog_path = work / "worker.log"
    with wlog_path.open("wb") as wlog:
        worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env,
                                  stdout=wlog, stderr=subprocess.STDOUT)
        try:
            wait_ready(port, worker, timeout=180)
            producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
            for i, rec in enumerate(records):
                producer.send("mentions", key=str(i).encode(), value=rec)
            producer.flush()
            producer.close()
            t0 = time.monotonic()
            done, polls, slow, worst = 0.0, 0, 0, 0.0
            while time.monotonic() - t0 < args.timeout:
                polls += 1
                q0 = time.monotonic()
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).read()
                    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
                except OSError:
                    slow += 1
                    continue
                took = time.monotonic() - q0
                worst, slow = max(worst, took), slow + (took > 1.0)
                m = re.search(r"^repwatch_mentions_processed_total (\S+)", text, re.M)
                done = float(m.group(1)) if m else 0.0
                if done >= n:
                    break
                time.sleep(max(0.0, 1.0 - took))
            wall = time.monotonic() - t0
        finally:
            worker.terminate()
            worker.wait(30)
            broker.stop()
    log = wlog_path.read_text(errors="replace")
    counts = {k: len(re.findall(p, log, re.I)) for k, p in
              (("rebalances", "rebalanc"), ("heartbeat_failures", "heartbeat failed"), ("tracebacks", "Traceback"))}
    print(json.dumps({"ner": args.ner, "batch_size": args.batch_size, "mentions": n, "processed": done,
                      "wall_s": round(wall, 1), "polls": polls, "polls_over_1s": slow,
                      "slowest_poll_s": round(worst, 2), **counts, "worker_log": str(wlog_path)}))
    return 0 if done >= n else 1


if __name__ == "__main__":
    sys.exit(main())
