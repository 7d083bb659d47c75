"""Dashboards: structure, and every panel query parsed and evaluated by a real Prometheus.

The queries against data scraped from a real worker are in test_paging_e2e.py
(they share its scenario run).
"""

from __future__ import annotations

import re

import pytest
import yaml
from grafana_dashboards import EXPECTED_UIDS, dashboards, panels, queries, substitute, variable_queries
from promstack import RULES, Prometheus

pytestmark = pytest.mark.prometheus


def _metric_names() -> set[str]:
    from prometheus_client import CollectorRegistry

    from streams.metrics import Metrics

    m = Metrics(CollectorRegistry())
    names = set()
    for family in m.registry.collect():
        names.add(family.name)
        for s in family.samples:
            names.add(s.name)
    return names


def _recorded() -> set[str]:
    doc = yaml.safe_load(RULES.read_text())
    return {r["record"] for g in doc["groups"] for r in g["rules"] if "record" in r}


def test_dashboard_files_and_uids():
    dashes = dashboards()
    assert {n: d["uid"] for n, d in dashes.items()} == EXPECTED_UIDS
    for name, d in dashes.items():
        assert d["title"].startswith("repwatch / "), name
        assert "repwatch" in d["tags"], name


def test_datasource_variable_used_everywhere():
    for name, d in dashboards().items():
        variables = {v["name"]: v for v in d["templating"]["list"]}
        ds = variables.get("datasource")
        assert ds and ds["type"] == "datasource" and ds["query"] == "prometheus", name
        for p in panels(d):
            if p["type"] == "row":
                continue
            assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, (name, p["title"])
            assert p.get("targets"), (name, p["title"])
            for t in p["targets"]:
                assert t["datasource"]["uid"] == "${datasource}", (name, p["title"])
                assert t["expr"].strip(), (name, p["title"])
        for v in variables.values():
            if v["type"] == "query":
                assert v["datasource"]["uid"] == "${datasource}", (name, v["name"])
        for a in d["annotations"]["list"]:
            if "expr" in a:
                assert a["datasource"]["uid"] == "${datasource}", (name, a["name"])


def test_panel_ids_unique_and_layout_does_not_overlap():
    for name, d in dashboards().items():
        ids = [p["id"] for p in panels(d)]
        assert len(ids) == len(set(ids)), name
        boxes = []
        for p in panels(d):
            g = p["gridPos"]
            assert g["x"] >= 0 and g["x"] + g["w"] <= 24, (name, p["title"])
            for other_title, o in boxes:
                overlap = (g["x"] < o["x"] + o["w"] and o["x"] < g["x"] + g["w"]
                           and g["y"] < o["y"] + o["h"] and o["y"] < g["y"] + g["h"])
                assert not overlap, (name, p["title"], other_title)
            boxes.append((p["title"], g))


def test_required_panels_present():
    titles = {n: {p["title"] for p in panels(d)} for n, d in dashboards().items()}
    assert {"Entities by current risk", "Risk over time", "Volume vs expected", "Negative share",
            "Open incidents with their evidence"} <= titles["reputation-overview.json"]
    assert {"Mentions vs baseline", "Negative mentions vs baseline", "Sentiment split", "Reach",
            "Unique authors"} <= titles["entity-drilldown.json"]
    assert {"Throughput", "Rejected by reason", "Processing latency", "Consumer lag",
            "DLQ and risk events"} <= titles["pipeline-health.json"]
    entity = dashboards()["entity-drilldown.json"]
    assert any("incident" in a["name"].lower() for a in entity["annotations"]["list"])


def test_queries_reference_only_exported_metrics():
    """Every repwatch_* name in a panel or a rule exists in streams/metrics.py."""
    known = _metric_names() | _recorded() | {"up", "ALERTS"}
    texts = [(q.key, q.expr) for q in queries()] + [("rules", RULES.read_text())]
    for key, text in texts:
        for name in re.findall(r"\b(repwatch(?:_|:)[a-zA-Z0-9_:]+)", text):
            assert name in known, f"{key}: unknown metric {name}"


def test_every_panel_query_evaluates_in_prometheus(tmp_path):
    """Each query (variables substituted) is accepted by a real Prometheus (no data needed)."""
    prom = Prometheus(tmp_path, scrape_targets=[], rule_files=[RULES])
    try:
        errors = []
        for q in queries():
            try:
                prom.query(substitute(q.expr))
            except Exception as exc:  # noqa: BLE001 - collected and reported together
                errors.append(f"{q.key}: {exc}")
        for name, var, query in variable_queries():
            if not query.startswith("label_values("):
                errors.append(f"{name} ${var}: unsupported variable query {query}")
        assert not errors, "\n".join(errors)
    finally:
        prom.stop()
