"""Watchlist matcher: forms, boundaries, ambiguity rules, hashtags, handles."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from streams.nlp.matcher import WatchlistMatcher, form_tokens, squash
from streams.watchlist import load_watchlist, parse_watchlist

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "entities_adversarial", REPO / "bench" / "entities_adversarial.py"
)
assert _spec is not None and _spec.loader is not None
_adv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_adv)
CASES: list[tuple[str, set[str]]] = _adv.CASES  # hand-written, shared with bench/entities_matcher.py

DEFAULT = WatchlistMatcher(load_watchlist(REPO / "streams" / "data" / "watchlist.yaml"))

SMALL = parse_watchlist(
    """
entities:
  - id: acme
    name: Acme Corp
    aliases: [acme, "at&t-like"]
    handles: ["@acme"]
    hashtags: ["#acmefail"]
  - id: orange-telecom
    name: Orange Telecom
    ambiguous:
      - alias: orange
        require_any: [network, "sim card", signal]
        exclude_any: [juice]
  - id: orange-bank
    name: Orange Bank
    ambiguous:
      - alias: orange
        require_any: [account, loan]
  - id: bigco
    name: Big Company Holdings
"""
)


def ids(m: WatchlistMatcher, text: str) -> set[str]:
    return {h.entity_id for h in m.match(text)}


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_adversarial_cases(text: str, expected: set[str]) -> None:
    assert ids(DEFAULT, text) == expected


def test_one_hit_per_entity_first_occurrence_with_offsets() -> None:
    text = "Acme rocks. ACME CORP rocks. @acme"
    hits = WatchlistMatcher(SMALL).match(text)
    assert [h.entity_id for h in hits] == ["acme"]
    h = hits[0]
    assert (h.surface, h.start, h.end, h.source) == ("Acme", 0, 4, "watchlist")
    assert text[h.start : h.end] == h.surface


def test_longest_form_wins_and_offsets_span_all_tokens() -> None:
    text = "I tried acme corp today"
    (h,) = WatchlistMatcher(SMALL).match(text)
    assert (h.surface, h.start, h.end) == ("acme corp", 8, 17)


def test_punctuation_inside_forms_matches_token_wise() -> None:
    assert ids(WatchlistMatcher(SMALL), "is AT&T-like a word") == {"acme"}


def test_ambiguous_alias_shared_by_two_entities_resolved_by_each_rule() -> None:
    m = WatchlistMatcher(SMALL)
    assert ids(m, "orange has no signal in my town") == {"orange-telecom"}
    assert ids(m, "orange closed my account") == {"orange-bank"}
    assert ids(m, "my orange sim card and my orange loan") == {"orange-telecom", "orange-bank"}
    assert ids(m, "orange juice and a loan") == {"orange-bank"}
    assert ids(m, "orange is a colour") == set()


def test_multiword_context_phrase() -> None:
    m = WatchlistMatcher(SMALL)
    assert ids(m, "need a new SIM card from orange") == {"orange-telecom"}
    assert ids(m, "need a new SIM from orange, my card broke") == set()


def test_ambiguous_hit_reported_at_its_first_occurrence() -> None:
    (h,) = DEFAULT.match("United lost my guitar on the flight #unitedbreaksguitars")
    assert (h.entity_id, h.surface, h.start) == ("united-airlines", "United", 0)


def test_hashtag_rules() -> None:
    m = WatchlistMatcher(SMALL)
    assert ids(m, "#acmefail") == {"acme"}  # declared
    assert ids(m, "#acmecorp") == {"acme"}  # squashed name
    assert ids(m, "#AcmeCorpIsBad") == {"acme"}  # CamelCase segments
    assert ids(m, "#ihatebigcompanyholdings") == {"bigco"}  # squashed multi-word, anywhere
    assert ids(m, "#bigcompany") == set()  # a part of a name is not the name
    assert ids(m, "#orangesignal") == set()  # ambiguous alias never matched inside a tag


def test_affix_rule_length_threshold() -> None:
    wl = parse_watchlist("entities:\n  - {id: tesla, name: Tesla}\n  - {id: spotify, name: Spotify}\n")
    assert ids(WatchlistMatcher(wl), "#teslafail #spotifywrapped") == {"spotify"}  # 'tesla' < 6 letters
    assert ids(WatchlistMatcher(wl, affix_min=5), "#teslafail") == {"tesla"}
    assert ids(WatchlistMatcher(wl, affix_min=0), "#spotifywrapped") == set()


def test_handles() -> None:
    m = WatchlistMatcher(SMALL)
    assert ids(m, "@acme help") == {"acme"}
    assert ids(m, "@acmecorp help") == {"acme"}  # undeclared handle equal to a squashed name
    assert ids(m, "@acme_support help") == set()
    assert ids(m, "mail me at bob@acme.com") == set()


def test_unicode_and_case() -> None:
    m = WatchlistMatcher(SMALL)
    assert ids(m, "ＡＣＭＥ") == set()  # full-width letters are not folded (documented)
    hits = m.match("İstanbul ACME")  # lower() changes the length of 'İ': offsets stay exact
    assert [(h.surface, h.start) for h in hits] == [("ACME", 9)]


def test_empty_and_no_entities() -> None:
    assert WatchlistMatcher(parse_watchlist("entities: []")).match("anything at all") == []
    assert DEFAULT.match("") == []


def test_helpers() -> None:
    assert form_tokens("AT&T Inc.") == ("at", "&", "t", "inc", ".")
    assert squash("Delta Air-Lines") == "deltaairlines"
