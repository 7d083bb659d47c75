"""The alert rules against the real promtool, and their conventions (runbooks, links, labels)."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from promstack import (
    DASHBOARD_DIR,
    RULE_TESTS,
    RULES,
    RUNBOOK_DIR,
    fast_rules,
    parse_duration_ms,
    run_tool,
    scale_duration,
    strip_for,
)

pytestmark = pytest.mark.prometheus

RUNBOOK_BASE = "https://github.com/repwatch/repwatch/blob/main/docs/runbooks/"
RUNBOOK_SECTIONS = ("## Meaning", "## Impact", "## Diagnosis", "## Mitigation")


def _alerts() -> list[dict]:
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_promtool_check_rules():
    res = run_tool(["promtool", "check", "rules", str(RULES)])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


def test_promtool_test_rules():
    assert RULE_TESTS, "no promtool rule tests under alerts/tests/"
    res = run_tool(["promtool", "test", "rules", *map(str, RULE_TESTS)], timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("SUCCESS") == len(RULE_TESTS), res.stdout


def _reputation_tests_on(tmp_path, old: str, new: str):
    """Run the reputation rule tests against a copy of the rules with ``old`` replaced by ``new``."""
    broken = RULES.read_text().replace(old, new)
    assert broken != RULES.read_text()
    (tmp_path / "repwatch-rules.yaml").write_text(broken)
    (tmp_path / "tests").mkdir()
    for t in RULE_TESTS:
        (tmp_path / "tests" / t.name).write_text(t.read_text())
    return run_tool(["promtool", "test", "rules", str(tmp_path / "tests" / "reputation-test.yaml")])


_INCIDENT_CRITICAL = "max by (entity, team) (last_over_time(repwatch_entity_incident_severity[10m])) >= 3"


def test_promtool_test_rules_detects_a_broken_rule(tmp_path):
    """The rule tests can fail: drop the rebalance-robust aggregation and they must."""
    res = _reputation_tests_on(tmp_path, _INCIDENT_CRITICAL, "repwatch_entity_incident_severity >= 3")
    assert res.returncode != 0
    assert "ReputationRiskCritical" in res.stdout + res.stderr


def test_promtool_test_rules_detects_alerting_on_the_raw_score(tmp_path):
    """The rule tests can fail: page on the score instead of the incident and a dip inside
    one incident resolves the alert and pages again."""
    res = _reputation_tests_on(
        tmp_path, _INCIDENT_CRITICAL, "max by (entity, team) (last_over_time(repwatch_entity_risk_score[10m])) >= 80"
    )
    assert res.returncode != 0
    assert "one incident, one page" in res.stdout + res.stderr


def test_every_alert_follows_the_conventions():
    alerts = _alerts()
    names = {a["alert"] for a in alerts}
    assert {
        "ReputationRiskCritical", "ReputationRiskWarning", "RepwatchIngestionStalled", "RepwatchFreshnessBudgetBurn",
        "RepwatchNoWorkerUp", "RepwatchWorkerDown", "RepwatchDLQRatioHigh", "RepwatchEntityLabelCapHit", "Watchdog",
    } <= names
    for a in alerts:
        name = a["alert"]
        labels, ann = a.get("labels", {}), a.get("annotations", {})
        assert labels.get("severity") in {"critical", "warning", "none"}, name
        # team routes the alert: a static label, or carried by the entity series
        assert labels.get("team") or "by (entity, team)" in a["expr"], name
        for key in ("summary", "description", "runbook_url", "dashboard_url"):
            assert ann.get(key), f"{name}: annotation {key} missing"
        assert ann["runbook_url"] == RUNBOOK_BASE + f"{name}.md", name
        if name != "Watchdog":
            assert "for" in a, f"{name} has no for:"
        if name.startswith("ReputationRisk"):
            assert "{{ $labels.entity }}" in ann["description"] and "{{ $value" in ann["description"], name
            assert "var-entity={{ $labels.entity }}" in ann["dashboard_url"], name


def test_every_alert_has_a_runbook_with_the_four_sections():
    names = {a["alert"] for a in _alerts()}
    for name in names:
        path = RUNBOOK_DIR / f"{name}.md"
        assert path.is_file(), f"missing runbook {path}"
        text = path.read_text()
        assert text.startswith(f"# {name}\n"), path
        positions = [text.find(s) for s in RUNBOOK_SECTIONS]
        assert all(p >= 0 for p in positions), f"{path}: needs sections {RUNBOOK_SECTIONS}"
        assert positions == sorted(positions), f"{path}: sections out of order"
    orphans = {p.stem for p in RUNBOOK_DIR.glob("*.md")} - names
    assert not orphans, f"runbooks without an alert: {orphans}"


def test_dashboard_links_point_at_existing_dashboards():
    uids = {json.loads(p.read_text())["uid"] for p in DASHBOARD_DIR.glob("*.json")}
    for a in _alerts():
        m = re.search(r"/d/([\w-]+)/", a["annotations"]["dashboard_url"])
        assert m and m.group(1) in uids, (a["alert"], a["annotations"]["dashboard_url"])


@pytest.mark.parametrize(
    ("text", "ms", "scaled"),
    [("2m", 120_000, "2000ms"), ("10m", 600_000, "10000ms"), ("1h", 3_600_000, "60000ms"),
     ("30s", 30_000, "500ms"), ("1h30m", 5_400_000, "90000ms"), ("0s", 0, "0s")],
)
def test_duration_scaling(text, ms, scaled):
    assert parse_duration_ms(text) == ms
    assert scale_duration(text) == scaled


def test_fast_rules_change_only_for_durations(tmp_path):
    """The e2e test's rule copy differs from the real rules in `for:` only."""
    dst = tmp_path / "rules.yaml"
    changed = fast_rules(RULES, dst)
    original, fast = yaml.safe_load(RULES.read_text()), yaml.safe_load(dst.read_text())
    assert strip_for(original) == strip_for(fast)
    assert changed["ReputationRiskCritical/critical"] == ("2m", "2000ms")
    res = run_tool(["promtool", "check", "rules", str(dst)])
    assert res.returncode == 0, res.stdout + res.stderr
