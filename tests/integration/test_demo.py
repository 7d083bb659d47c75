"""The README's first command, as a user runs it: `repwatch demo` (what `make demo` calls)
starts the embedded broker and a worker, replays the Kindle backlash and exits 0 only if
the Kindle went critical; its summary names the entity, the time and the evidence."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from streams.broker import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


def test_demo_command_shows_the_kindle_backlash_and_exits_zero() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRM_")}  # the defaults, as on a fresh machine
    proc = subprocess.run(
        [sys.executable, "-m", "streams.cli", "demo", "--scenario", "kindle-1984", "--duration", "30",
         "--web-port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=540,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "=== summary ===" in out, out[-4000:]
    summary = out[out.index("=== summary ==="):]
    assert "entities that went critical: amazon-kindle" in summary
    assert "(amazon-kindle, team comms-retail) CRITICAL at 2009-07-17T" in summary  # event time, not wall time
    assert "min after onset" in summary and "❝" in summary  # delay and evidence posts
    assert summary.rstrip().endswith("expected amazon-kindle to go critical: yes")
