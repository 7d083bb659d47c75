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


def test_scenarios_record_the_sentiment_each_mention_was_written_with() -> None:
    sc = generate("united-guitars", seed=1)
    onset = sc.truth["onset"].replace("+00:00", "Z")
    # every mention about an entity has a label, distractors (about nothing) have none
    assert {m for m, e in sc.mention_entities.items() if e} <= set(sc.intended_sentiment)
    assert set(sc.intended_sentiment.values()) == {-1, 0, 1}
    # the wave is written negative: after onset, the target's mentions are mostly negative,
    # before it they follow the baseline mix
    def neg_share(after: bool) -> float:
        ids = [m["id"] for m in sc.mentions if "united-airlines" in sc.mention_entities[m["id"]]
               and (m["created_at"] >= onset) == after]
        return sum(sc.intended_sentiment[i] == -1 for i in ids) / len(ids)

    assert neg_share(after=True) > 0.8 > 0.4 > neg_share(after=False)


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


def test_hashtag_discovery_finds_a_campaign_tag_and_changes_no_watchlist_result(kindle: list[dict]) -> None:
    """RRM_DISCOVER_HASHTAGS=on: a non-watchlist hashtag that has been around for a day and then
    surges negatively gets its own incident on the risk topic; every watchlist entity's events
    are exactly those of the run without discovery."""
    from datetime import datetime, timedelta

    t0 = datetime.fromisoformat(kindle[0]["created_at"].replace("Z", "+00:00"))

    def post(i: int, when: datetime, text: str) -> dict:
        return {"id": f"tag-{i}", "platform": "twitter", "lang": "en", "text": text,
                "author": {"id": f"ta{i}", "handle": f"@ta{i}", "followers": 50},
                "created_at": when.isoformat().replace("+00:00", "Z")}

    extra = [post(i, t0 + timedelta(minutes=20 * i), "reading the #DeleteGate thread") for i in range(90)]
    onset = t0 + timedelta(hours=36)
    extra += [post(1000 + i, onset + timedelta(seconds=20 * i), "#DeleteGate is a disgrace, I am so angry and done")
              for i in range(360)]
    merged = sorted(kindle + extra, key=lambda m: m["created_at"])
    off = run_offline(merged, load_settings())
    on = run_offline(merged, load_settings(discover_hashtags="on"))

    def watchlisted(r: object) -> list[dict]:
        return [e.model_dump() for e in r.risk_events if not e.entity_id.startswith("discovered:")]  # type: ignore[attr-defined]

    assert watchlisted(on) == watchlisted(off) and watchlisted(off)
    assert not any(e.entity_id.startswith("discovered:") for e in off.risk_events)
    tag = [e for e in on.risk_events if e.entity_id == "discovered:hashtag:deletegate"]
    assert tag and tag[0].transition == "opened" and tag[0].team == ""
    assert onset - timedelta(minutes=5) <= tag[0].window_start <= onset + timedelta(minutes=30)  # bucket-aligned


def test_a_new_tag_born_with_a_storm_is_reported_as_emerging(kindle: list[dict]) -> None:
    """A hashtag never seen before that arrives as a storm of negative voices opens an
    'emerging' incident on the risk topic in its first bucket instead of waiting out the 3 h
    warm-up; RRM_EMERGING_MIN_NEGATIVE=0 turns that off."""
    from datetime import datetime, timedelta

    t0 = datetime.fromisoformat(kindle[0]["created_at"].replace("Z", "+00:00"))
    onset = t0 + timedelta(hours=36)
    storm = [{"id": f"storm-{i}", "platform": "twitter", "lang": "en",
              "text": "#DeleteGate is a disgrace, I am so angry and done",
              "author": {"id": f"sa{i}", "handle": f"@sa{i}", "followers": 50},
              "created_at": (onset + timedelta(seconds=5 * i)).isoformat().replace("+00:00", "Z")}
             for i in range(360)]
    merged = sorted(kindle + storm, key=lambda m: m["created_at"])
    on = run_offline(merged, load_settings(discover_hashtags="on"))
    tag = [e for e in on.risk_events if e.entity_id == "discovered:hashtag:deletegate"]
    assert tag and tag[0].transition == "opened" and tag[0].severity == "warning"
    assert tag[0].window_start <= onset + timedelta(minutes=5)
    assert any(r.startswith("emerging:") for r in tag[0].reasons)
    off = run_offline(merged, load_settings(discover_hashtags="on", emerging_min_negative=0))
    assert not [e for e in off.risk_events if e.entity_id == "discovered:hashtag:deletegate"]
