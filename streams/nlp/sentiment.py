"""Sentiment scorers. Baseline: VADER with the usual ±0.05 thresholds."""

from __future__ import annotations

from collections.abc import Sequence

from streams.errors import ConfigError
from streams.nlp import NEGATIVE, NEUTRAL, POSITIVE, Sentiment


class VaderScorer:
    name = "vader"
    version = "vaderSentiment-3.3.2"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._sia = SentimentIntensityAnalyzer()

    def score_batch(self, texts: Sequence[str]) -> list[Sentiment]:
        out = []
        for t in texts:
            c = self._sia.polarity_scores(t)["compound"]
            label = POSITIVE if c >= 0.05 else NEGATIVE if c <= -0.05 else NEUTRAL
            out.append(Sentiment(label, c))
        return out


def load_scorer(name: str) -> VaderScorer:
    if name in ("default", "vader"):
        return VaderScorer()
    raise ConfigError(f"RRM_SENTIMENT_MODEL: unknown sentiment model {name!r} (use 'default' or 'vader')")
