"""The shipped sentiment artefact loads offline and gets obvious cases right."""

from __future__ import annotations

import pytest

from streams.nlp import NEGATIVE, NEUTRAL, POSITIVE, build_sentiment
from streams.nlp.sentiment import DEFAULT_MODEL_PATH


@pytest.fixture(scope="module")
def scorer():
    assert DEFAULT_MODEL_PATH.exists(), "shipped model missing: run bench/train_sentiment.py"
    return build_sentiment("default")


def label(scorer, text: str) -> int:
    return scorer.score_batch([text])[0].label


def test_artefact_metadata(scorer) -> None:
    assert scorer.name == "default"
    assert scorer.version.startswith("linear-")
    assert "TweetEval-val tweets removed" in scorer.meta["training_data"]
    assert scorer.meta["data_stats"]["val_overlap"] > 1900


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love this phone, best purchase ever!", POSITIVE),
        ("worst customer service ever, never again", NEGATIVE),
        ("this is good", POSITIVE),
        ("not good", NEGATIVE),
        ("I don't like it at all", NEGATIVE),
        ("sooooo bad", NEGATIVE),
        ("soooo happy today 😍", POSITIVE),
        ("so angry 😡😡", NEGATIVE),
        ("Great, my flight is delayed again #fail", NEGATIVE),
        ("#love this weather", POSITIVE),
        ("does the Kindle DX ship to canada?", NEUTRAL),
    ],
)
def test_obvious_texts(scorer, text: str, expected: int) -> None:
    assert label(scorer, text) == expected


@pytest.mark.parametrize("text", ["not bad", "not bad at all", "I don't hate it"])
def test_negated_negative_is_not_negative(scorer, text: str) -> None:
    assert label(scorer, text) != NEGATIVE


def test_factual_text_is_neutral(scorer) -> None:
    assert label(scorer, "The store opens at 9am on Tuesday.") == NEUTRAL


def test_batch_order_scores_and_empty_inputs(scorer) -> None:
    texts = ["I love it", "", "I hate it"]
    out = scorer.score_batch(texts)
    assert [s.label for s in out] == [POSITIVE, NEUTRAL, NEGATIVE]
    assert out[0].score > 0.3 and out[2].score < -0.3
    assert all(-1.0 <= s.score <= 1.0 for s in out)
    assert scorer.score_batch([]) == []


def test_vader_fallback_still_available() -> None:
    vader = build_sentiment("vader")
    assert vader.name == "vader"
    assert vader.score_batch(["I love it", "I hate it"])[0].label == POSITIVE
