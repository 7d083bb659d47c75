"""Case 10: the risk topic's schema. Every RiskEvent any fault test reads goes through
``harness.read_risk``: a downstream consumer that knows only the committed JSON
Schema (``schemas/risk_event.schema.json``) -- it validates each record, parses
its timestamps, and de-duplicates on ``event_id``. This module proves that consumer
is not vacuous: records a consumer could not rely on are rejected by it."""

from __future__ import annotations

import copy
import json

import pytest

from tests.faults.harness import SURGE, check_datetimes, offline_reference, risk_validator


def _events() -> list[dict]:
    ref = offline_reference(*SURGE)
    assert ref.risk_events
    return [json.loads(e.model_dump_json()) for e in ref.risk_events]


def _accepts(ev: dict) -> bool:
    if any(True for _ in risk_validator().iter_errors(ev)):
        return False
    try:
        check_datetimes(ev)
    except (AssertionError, ValueError):
        return False
    return True


def test_schema_consumer_accepts_real_events() -> None:
    for ev in _events():
        assert _accepts(ev), ev["event_id"]


MUTATIONS = {
    "event_id missing": lambda e: e.pop("event_id"),
    "unknown severity": lambda e: e.update(severity="panic"),
    "score above 100": lambda e: e.update(risk_score=101.0),
    "negative volume": lambda e: e.update(observed_volume=-1),
    "unknown field": lambda e: e.update(surprise=True),
    "schema version 2": lambda e: e.update(schema_version=2),
    "window without time zone": lambda e: e.update(window_start="2009-07-17T14:20:00"),
    "not a time": lambda e: e.update(window_end="yesterday"),
    "evidence post without id": lambda e: e["evidence"]["top_posts"].append({"author_handle": "x", "text": "t", "reach": 1,
                                                                              "created_at": "2009-07-17T14:20:00Z"}),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_schema_consumer_rejects_what_it_could_not_rely_on(name: str) -> None:
    ev = copy.deepcopy(_events()[0])
    MUTATIONS[name](ev)
    assert not _accepts(ev), f"the committed schema accepted an event with {name}"
