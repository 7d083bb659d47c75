"""Metrics on a fresh registry: known labels exist at 0, the entity label cap holds and counts."""

from __future__ import annotations

from streams.metrics import REJECT_REASONS, Metrics


def test_known_label_values_exist_at_zero() -> None:
    r = Metrics().registry
    for reason in REJECT_REASONS:
        assert r.get_sample_value("repwatch_mentions_rejected_total", {"reason": reason}) == 0
    assert r.get_sample_value("repwatch_mentions_processed_total") == 0


def test_entity_label_cap_holds_and_counts_what_it_dropped() -> None:
    m = Metrics(max_entity_labels=2)
    m.register_entities([("a", "t1"), ("b", "t2"), ("c", "t3")])
    kw = dict(score=90.0, severity_rank=3, incident_open=True, volume=10, expected_volume=2.0, negative=8,
              expected_negative=1.0, positive=1, neutral=1, reach=100.0, unique_authors=9, bucket_end=0.0)
    assert m.observe_entity("a", "t1", **kw) is True
    assert m.observe_entity("c", "t3", **kw) is False
    r = m.registry
    assert r.get_sample_value("repwatch_entity_risk_score", {"entity": "a", "team": "t1"}) == 90
    assert r.get_sample_value("repwatch_entity_risk_score", {"entity": "b", "team": "t2"}) == 0
    assert r.get_sample_value("repwatch_entity_risk_score", {"entity": "c", "team": "t3"}) is None
    assert r.get_sample_value("repwatch_entity_labels_dropped_total") == 2  # at registration and update
    assert r.get_sample_value("repwatch_entity_labels") == 2


def test_forgetting_an_entity_removes_its_series_and_frees_a_slot() -> None:
    m = Metrics(max_entity_labels=1)
    m.register_entities([("a", "t")])
    m.forget_entity("a")
    assert m.registry.get_sample_value("repwatch_entity_risk_score", {"entity": "a", "team": "t"}) is None
    m.register_entities([("b", "t")])
    assert m.registry.get_sample_value("repwatch_entity_risk_score", {"entity": "b", "team": "t"}) == 0


def test_incident_severity_is_the_open_incidents_peak_and_zero_without_one() -> None:
    m = Metrics()
    kw = dict(score=72.0, severity_rank=2, volume=10, expected_volume=2.0, negative=8, expected_negative=1.0,
              positive=1, neutral=1, reach=100.0, unique_authors=9, bucket_end=0.0)
    m.observe_entity("a", "t", incident_open=True, incident_severity_rank=3, **kw)
    r = m.registry
    assert r.get_sample_value("repwatch_entity_incident_severity", {"entity": "a", "team": "t"}) == 3
    assert r.get_sample_value("repwatch_entity_severity", {"entity": "a", "team": "t"}) == 2
    m.observe_entity("a", "t", incident_open=False, incident_severity_rank=3, **kw)
    assert r.get_sample_value("repwatch_entity_incident_severity", {"entity": "a", "team": "t"}) == 0


def test_every_metric_is_documented_in_the_alerting_catalogue() -> None:
    """docs/alerting.md is the metrics reference the README points to: every exported family
    (by its exposition name) must be listed there, so a new metric cannot ship undocumented."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "alerting.md").read_text()
    families = list(Metrics().registry.collect())
    assert len(families) > 20
    exposed = {f.name + "_info" if f.type == "info" else f.name + "_total" if f.type == "counter" else f.name
               for f in families}
    missing = sorted(n for n in exposed if f"`{n}" not in doc)
    assert not missing, f"metrics missing from docs/alerting.md: {missing}"
