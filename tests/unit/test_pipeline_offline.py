"""The offline pipeline over built-in scenarios: deterministic, batch-size independent."""

from __future__ import annotations

import pytest

from streams.aggregate import severity_rank
from streams.pipeline import run_offline
from streams.scenarios import SCENARIOS, generate
from streams.settings import load_settings


@pytest.fixture(scope="module")
def kindle() -> list[dict]:
    return generate("kindle-1984", seed=3).mentions


def test_scenarios_are_deterministic_by_seed() -> None:
    a, b, c = generate("bot-flood", seed=1), generate("bot-flood", seed=1), generate("bot-flood", seed=2)
    assert a.mentions == b.mentions and a.mentions != c.mentions
    assert a.truth["expected"] == "none" and set(a.mention_entities) == {m["id"] for m in a.mentions}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenarios_have_time_ordered_aware_timestamps(name: str) -> None:
    sc = generate(name, seed=1)
    times = [m["created_at"] for m in sc.mentions]
    assert times == sorted(times) and all(t.endswith("Z") for t in times[:50])


def test_replay_is_independent_of_batch_size(kindle: list[dict]) -> None:
    runs = [run_offline(kindle, load_settings(batch_size=bs)) for bs in (50, 1000)]
    a, b = ([e.model_dump() for e in r.risk_events] for r in runs)
    assert a == b and len(a) > 0


def test_duplicates_and_bad_records_do_not_change_the_result(kindle: list[dict]) -> None:
    import json

    s = load_settings()
    clean = run_offline(kindle, s)
    noisy_input: list = []
    for i, m in enumerate(kindle):
        noisy_input.append(m)
        if i % 7 == 0:
            noisy_input.append(json.dumps(m).encode())  # re-delivery of the same mention id
        if i % 1000 == 0:
            noisy_input.append(b"\xff not utf8")
    noisy = run_offline(noisy_input, s)
    assert [e.model_dump() for e in noisy.risk_events] == [e.model_dump() for e in clean.risk_events]
    assert noisy.processed == clean.processed and noisy.rejected == {"invalid_utf8": len(kindle[::1000])}
    assert noisy.duplicates == len(kindle[::7])


def test_incident_events_say_since_when_and_how_bad(kindle: list[dict]) -> None:
    events = run_offline(kindle, load_settings()).risk_events
    incident = [e for e in events if e.incident_id is not None]
    assert incident, "the Kindle backlash must open an incident"
    opened = next(e for e in incident if e.transition == "opened")
    assert opened.incident_since == opened.window_start
    for e in incident:
        same = [o for o in incident if o.incident_id == e.incident_id and o.transition == "opened"]
        assert e.incident_since == same[0].incident_since
        assert e.incident_severity in ("warning", "critical")
        assert severity_rank(e.incident_severity) >= severity_rank(e.severity)
    assert all(e.incident_severity is None and e.incident_since is None for e in events if e.incident_id is None)
