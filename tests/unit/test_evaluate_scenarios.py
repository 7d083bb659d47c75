"""Built-in scenarios end to end through the offline pipeline (slow: seconds per scenario)."""

from __future__ import annotations

import pytest

from streams.evaluation.scenarios import run_scenario
from streams.settings import load_settings

pytestmark = pytest.mark.slow


def test_kindle_goes_critical_within_30_minutes_without_false_pages() -> None:
    o = run_scenario("kindle-1984", 7, load_settings(sentiment_model="default"))
    assert o.critical_delay_min is not None and o.critical_delay_min <= 30
    assert not o.false_pages


def test_united_goes_critical_without_false_pages() -> None:
    # the target is 30 min; measured 40 min with the default sentiment model (see
    # docs/benchmarks/detection.md): this guards against regressions, it does not claim the target
    o = run_scenario("united-guitars", 7, load_settings(sentiment_model="default"))
    assert o.critical_delay_min is not None and o.critical_delay_min <= 120
    assert not o.false_pages


@pytest.mark.parametrize("name", ["bot-flood", "bot-drip", "quiet-day"])
def test_nothing_pages(name: str) -> None:
    o = run_scenario(name, 7, load_settings(sentiment_model="default"))
    assert not o.pages, [p.reasons for p in o.pages]


def test_sonos_praise_does_not_page_with_vader() -> None:
    o = run_scenario("sonos-praise", 7, load_settings(sentiment_model="vader"))
    assert not o.pages, [p.reasons for p in o.pages]


def test_sonos_praise_never_goes_critical_with_the_default_sentiment_model() -> None:
    o = run_scenario("sonos-praise", 7, load_settings(sentiment_model="default"))
    assert o.peak_score["sonos"] < 80
    assert o.first_critical is None  # critical never reached on the praised entity


def test_sonos_praise_does_not_page_with_the_default_sentiment_model() -> None:
    o = run_scenario("sonos-praise", 7, load_settings(sentiment_model="default"))
    assert not o.pages
