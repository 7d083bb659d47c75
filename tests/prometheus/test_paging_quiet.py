"""End to end: the sonos-praise replay (a positive viral wave) pages nobody.

Same stack as test_paging_e2e.py. "Nobody" is checked after the worker has
consumed the whole replay and the alerting path has had time to deliver: the
Watchdog heartbeat arriving proves the path works in this very run, so the
absence of pages is not vacuous.
"""

from __future__ import annotations

import time

import pytest
from promstack import wait_until
from scenario_run import ScenarioRun

pytestmark = [pytest.mark.prometheus, pytest.mark.integration, pytest.mark.slow]

#: after the last record is consumed: longer than the longest test-copy `for:` that
#: a reputation alert needs (ReputationRiskWarning 10m -> 10 s) plus scrape,
#: evaluation and Alertmanager group_wait (30s -> 0.5 s)
SETTLE_SECONDS = 15
#: event time of the praise wave replayed (at TIME_DIVISOR x: 3 h -> 3 min of wall
#: time): its ramp to the peak and the first hours of decay
SURGE_HOURS = 3


@pytest.fixture(scope="module")
def sonos(tmp_path_factory):
    run = ScenarioRun(tmp_path_factory.mktemp("sonos"), "sonos-praise")
    try:
        run.start()
        run.replay(surge_hours=SURGE_HOURS)
        wait_until(run.processed_all, 180, interval=1, what="worker consumed the whole replay")
        time.sleep(SETTLE_SECONDS)
        yield run
    finally:
        run.close()


def test_sonos_praise_pages_nobody(sonos):
    pages = [(n.path, [a["labels"] for a in n.alerts]) for n in sonos.pages()]
    assert not pages, f"unexpected pages: {pages}"


def test_sonos_praise_raises_no_reputation_alert_at_all(sonos):
    tickets = [(n.path, a["labels"]) for n in sonos.notifications() for a in n.alerts
               if a["labels"]["alertname"].startswith("ReputationRisk")]
    assert not tickets, tickets
    firing = [a["labels"] for a in sonos.prom.firing() if a["labels"]["alertname"].startswith("ReputationRisk")]
    assert not firing, firing


def test_the_praise_wave_was_seen(sonos):
    """The scenario really was processed: Sonos volume rose far above its baseline."""
    prom = sonos.prom
    window = f"{int(time.time() - sonos.t_replay_start) + 5}s"
    peak_ratio = prom.query(
        f'max_over_time((max(repwatch_entity_mentions{{entity="sonos"}}) '
        f'/ (max(repwatch_entity_expected_mentions{{entity="sonos"}}) > 0))[{window}:1s])'
    )
    assert peak_ratio and float(peak_ratio[0]["value"][1]) > 3, peak_ratio


def test_the_praise_wave_kept_risk_below_warning(sonos):
    """A positive wave raises volume signals but not risk."""
    prom = sonos.prom
    window = f"{int(time.time() - sonos.t_replay_start) + 5}s"
    peak_risk = prom.query(f'max_over_time(max(repwatch_entity_risk_score{{entity="sonos"}})[{window}:1s])')
    assert peak_risk and float(peak_risk[0]["value"][1]) < 60, peak_risk


def test_alerting_path_was_alive(sonos):
    assert sonos.notifications("/deadmansswitch/heartbeat"), "Watchdog never arrived: the no-page result would be vacuous"
