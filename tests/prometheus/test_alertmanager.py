"""The example Alertmanager config against the real amtool and a real Alertmanager."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from promstack import AM_CONFIG, Alertmanager, WebhookReceiver, fast_alertmanager_config, run_tool, wait_until

pytestmark = pytest.mark.prometheus


def test_amtool_check_config():
    res = run_tool(["amtool", "check-config", str(AM_CONFIG)])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        ("alertname=ReputationRiskCritical severity=critical team=comms-retail entity=amazon-kindle", "comms-retail-page"),
        ("alertname=ReputationRiskWarning severity=warning team=comms-retail entity=amazon-kindle", "comms-retail-ticket"),
        ("alertname=ReputationRiskCritical severity=critical team=comms-travel entity=united-airlines", "comms-travel-page"),
        ("alertname=ReputationRiskCritical severity=critical team=comms-consumer entity=sonos", "comms-consumer-page"),
        ("alertname=ReputationRiskCritical severity=critical team=comms-media entity=netflix", "comms-media-page"),
        ("alertname=ReputationRiskCritical severity=critical team=comms-auto entity=tesla", "comms-auto-page"),
        ("alertname=RepwatchIngestionStalled severity=critical team=sre", "sre-page"),
        ("alertname=RepwatchDLQRatioHigh severity=warning team=sre", "sre-ticket"),
        ("alertname=Watchdog severity=none team=sre", "deadmansswitch"),
        ("alertname=ReputationRiskCritical severity=critical team=comms-unknown entity=x", "unrouted"),
    ],
)
def test_routing_tree(labels, receiver):
    res = run_tool(["amtool", "config", "routes", "test", f"--config.file={AM_CONFIG}",
                    f"--verify.receivers={receiver}", *labels.split()])
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_watchlist_team_has_a_route():
    from streams.settings import DEFAULT_WATCHLIST
    from streams.watchlist import load_watchlist

    teams = {e.team for e in load_watchlist(DEFAULT_WATCHLIST).entities}
    assert teams
    for team in teams:
        res = run_tool(["amtool", "config", "routes", "test", f"--config.file={AM_CONFIG}",
                        f"--verify.receivers={team}-page",
                        "alertname=ReputationRiskCritical", "severity=critical", f"team={team}", "entity=e"])
        assert res.returncode == 0, f"team {team}: " + res.stdout + res.stderr


def _alert(name: str, severity: str, team: str, entity: str | None = None) -> dict:
    labels = {"alertname": name, "severity": severity, "team": team}
    if entity:
        labels["entity"] = entity
    now = datetime.now(UTC)
    return {"labels": labels, "annotations": {"summary": name},
            "startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=5)).isoformat()}


def test_live_routing_grouping_and_inhibition(tmp_path):
    """Real Alertmanager: critical mutes the same entity's warning only; pages reach the team's receiver."""
    hook = WebhookReceiver()
    cfg = tmp_path / "alertmanager.yml"
    fast_alertmanager_config(AM_CONFIG, cfg, hook.base_url)
    am = Alertmanager(tmp_path, cfg)
    try:
        am.post_alerts([
            _alert("ReputationRiskCritical", "critical", "comms-retail", "amazon-kindle"),
            _alert("ReputationRiskWarning", "warning", "comms-retail", "amazon-kindle"),
            _alert("ReputationRiskWarning", "warning", "comms-retail", "starbucks"),
            # a critical pipeline alert (no entity) must not mute entity or other pipeline warnings
            _alert("RepwatchIngestionStalled", "critical", "sre"),
            _alert("RepwatchDLQRatioHigh", "warning", "sre"),
        ])

        def inhibited_state():
            alerts = am.alerts()
            return {(a["labels"]["alertname"], a["labels"].get("entity")): a["status"]["state"] for a in alerts}

        states = wait_until(lambda: (s := inhibited_state()) and len(s) == 5 and s, 10, what="5 alerts in Alertmanager")
        time.sleep(1.0)  # inhibition is evaluated on read; let the group timers run too
        states = inhibited_state()
        assert states[("ReputationRiskWarning", "amazon-kindle")] == "suppressed"
        assert states[("ReputationRiskCritical", "amazon-kindle")] == "active"
        assert states[("ReputationRiskWarning", "starbucks")] == "active"
        assert states[("RepwatchDLQRatioHigh", None)] == "active"

        def by_path():
            out: dict[str, set] = {}
            for n in hook.snapshot():
                for a in n.alerts:
                    out.setdefault(n.path, set()).add((a["labels"]["alertname"], a["labels"].get("entity")))
            return out

        expected = {
            "/comms-retail/page": {("ReputationRiskCritical", "amazon-kindle")},
            "/comms-retail/ticket": {("ReputationRiskWarning", "starbucks")},
            "/sre/page": {("RepwatchIngestionStalled", None)},
            "/sre/ticket": {("RepwatchDLQRatioHigh", None)},
        }
        got = wait_until(lambda: (b := by_path()) == expected and b, 15, what=f"notifications {expected}")
        assert got == expected
        # grouped by entity: the kindle page is one notification with groupLabels {entity}
        kindle = [n for n in hook.snapshot() if n.path == "/comms-retail/page"]
        assert kindle[0].payload["groupLabels"] == {"entity": "amazon-kindle"}
    finally:
        am.stop()
        hook.stop()
