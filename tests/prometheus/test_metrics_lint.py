"""`promtool check metrics` on the exposition of streams/metrics.py (no worker needed).

The same check on a live worker's /metrics is in test_paging_e2e.py.
"""

from __future__ import annotations

import pytest
from promstack import run_tool

pytestmark = pytest.mark.prometheus


def test_promtool_check_metrics_on_the_metrics_module():
    from prometheus_client import CollectorRegistry, generate_latest

    from streams.metrics import Metrics

    m = Metrics(CollectorRegistry(), max_entity_labels=2)
    m.register_entities([("amazon-kindle", "comms-retail"), ("sonos", "comms-consumer"), ("tesla", "comms-auto")])
    m.observe_entity("amazon-kindle", "comms-retail", score=91.5, severity_rank=3, incident_open=True, volume=120,
                     expected_volume=20.0, negative=90, expected_negative=4.0, positive=10, neutral=20, reach=1e6,
                     unique_authors=110, bucket_end=1_247_839_200.0)
    m.mentions_consumed.inc(10)
    m.processing_latency.labels(stage="enrich").observe(0.02)
    m.build_info.info({"version": "test", "watchlist": "abc"})
    text = generate_latest(m.registry).decode()
    assert 'repwatch_entity_risk_score{entity="amazon-kindle",team="comms-retail"} 91.5' in text
    res = run_tool(["promtool", "check", "metrics"], stdin=text)
    assert res.returncode == 0, res.stdout + res.stderr
    # promtool prints lint problems (e.g. a counter without _total) even on success in some versions
    assert not (res.stdout + res.stderr).strip(), res.stdout + res.stderr
