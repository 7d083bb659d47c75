"""Run every benchmark command in sequence (``make bench``); each prints Markdown.

The figures in BENCHMARKS.md come from these commands; see each module's docstring
for options. Long: tens of minutes on a 2-core machine.
"""

from __future__ import annotations

import subprocess
import sys

COMMANDS = [
    ["-m", "bench.pipeline", "--runs", "3"],
    ["-m", "bench.detector_step"],
    ["-m", "streams.cli", "evaluate"],
    ["-m", "bench.eval_sentiment"],
    ["-m", "bench.eval_entities"],
    ["-m", "bench.entities_matcher"],
    ["-m", "bench.entities_throughput", "--contextual"],
    ["-m", "bench.eval_entities", "--contextual"],
    ["-m", "bench.scenario_oracle", "--seeds", "7,11-13,21-28,31-40"],
    ["-m", "bench.doubling_time", "--seeds", "7,11-13,21-28,31-40"],
    ["-m", "bench.worker_responsiveness"],
]


def main() -> int:
    failed = 0
    for cmd in COMMANDS:
        print(f"\n$ python {' '.join(cmd)}", flush=True)
        rc = subprocess.call([sys.executable, *cmd])
        if rc:
            print(f"  (exit {rc})", flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
