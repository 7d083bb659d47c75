"""Fixtures of the fault suite: the integration tier's embedded broker, workers that
are started (and killed) by the test itself, and a measurements table printed at
the end of the run (the numbers in docs/benchmarks/faults.md come from it)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Topics, Worker, broker, worker_env  # noqa: F401 - fixture re-export

MEASUREMENTS: list[tuple[str, dict]] = []


@pytest.fixture
def measure(request: pytest.FixtureRequest):
    """``measure(key=value, ...)``: record numbers for the end-of-run table."""
    def _m(**values: object) -> None:
        MEASUREMENTS.append((request.node.name, values))
    return _m


@pytest.fixture
def fault_workers(broker, tmp_path: Path) -> Iterator:  # noqa: F811
    """``make(topics, **env) -> Worker`` (not started). Every worker is stopped at the
    end -- killed if it does not stop on SIGTERM -- so no process outlives its test."""
    made: list[Worker] = []

    def make(topics: Topics, **extra: str) -> Worker:
        env, port = worker_env(broker, topics, tmp_path, **extra)
        env["RRM_DATA_DIR"] = str(tmp_path / f"data-{len(made)}")
        w = Worker(env, port, tmp_path / f"worker-{len(made)}.log")
        made.append(w)
        return w

    yield make
    for w in made:
        w.stop("term")
        assert w.proc is None or w.proc.poll() is not None, "worker still running after the test"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    from tests.faults.harness import ALL_EVENTS

    if not MEASUREMENTS:
        return
    terminalreporter.section("fault suite measurements")
    terminalreporter.write_line(
        f"RiskEvents read and validated against schemas/risk_event.schema.json: {len(ALL_EVENTS)}"
    )
    for name, values in MEASUREMENTS:
        terminalreporter.write_line(f"{name}: {json.dumps(values, default=str)}")
    out = os.environ.get("RRM_FAULTS_REPORT")
    if out:
        Path(out).write_text(json.dumps([{"test": n, **v} for n, v in MEASUREMENTS], indent=2, default=str))
