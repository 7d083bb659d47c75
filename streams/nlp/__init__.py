"""Enrichment seam: entity matching and sentiment, behind small protocols.

The streaming enrich agent and the offline backtest both call
:func:`build_matcher` / :func:`build_sentiment` and then only use the protocol
methods, batch at a time. Implementations live in sibling modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from streams.watchlist import Watchlist

NEGATIVE, NEUTRAL, POSITIVE = -1, 0, 1
LABEL_NAMES = {NEGATIVE: "negative", NEUTRAL: "neutral", POSITIVE: "positive"}


@dataclass(frozen=True, slots=True)
class EntityHit:
    """One entity found in a text. ``entity_id`` is canonical (watchlist id or a
    ``discovered:<type>:<normalised surface>`` id for NER discoveries)."""

    entity_id: str
    surface: str
    start: int
    end: int
    source: str = "watchlist"  # "watchlist" | "ner" | "hashtag"
    kind: str = ""


class Sentiment(NamedTuple):
    label: int  # NEGATIVE (-1), NEUTRAL (0), POSITIVE (1)
    score: float  # signed strength in [-1, 1]


class EntityMatcher(Protocol):
    def match(self, text: str) -> list[EntityHit]:
        """Distinct watchlist entities mentioned in ``text`` (one hit per entity)."""
        ...


class SentimentScorer(Protocol):
    name: str
    version: str

    def score_batch(self, texts: Sequence[str]) -> list[Sentiment]:
        """One :class:`Sentiment` per text, in order."""
        ...


class EntityDiscoverer(Protocol):
    def discover_batch(self, texts: Sequence[str]) -> list[list[EntityHit]]:
        """Entities not on the watchlist, per text (may be expensive: batch it)."""
        ...


def build_matcher(watchlist: Watchlist) -> EntityMatcher:
    from streams.nlp.matcher import WatchlistMatcher

    return WatchlistMatcher(watchlist)


def build_sentiment(name: str = "default") -> SentimentScorer:
    from streams.nlp.sentiment import load_scorer

    return load_scorer(name)


def build_discoverer(
    enabled: bool, watchlist: Watchlist | None = None, hashtags: bool = False, contextual: bool = False
) -> EntityDiscoverer | None:
    """Discovery of non-watchlist entities: the NER tagger (``enabled``; ``contextual``: the
    MiniLM-feature model) and/or hashtags (``hashtags``), or None when both are off.
    Discoveries equal to a watchlist form are dropped when the watchlist is given."""
    if not enabled and not hashtags:
        return None
    from streams.nlp.discovery import CombinedDiscoverer, HashtagDiscoverer, load_discoverer, watchlist_keys

    parts: list[EntityDiscoverer] = []
    if enabled:
        parts.append(load_discoverer(watchlist, contextual=contextual))
    if hashtags:
        parts.append(HashtagDiscoverer(watchlist_keys(watchlist) if watchlist is not None else []))
    return parts[0] if len(parts) == 1 else CombinedDiscoverer(parts)
