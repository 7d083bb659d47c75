"""Sentiment featurizer (pure, no model file) and the `repwatch sentiment` command."""

from __future__ import annotations

import argparse

import pytest

from streams.commands import sentiment as cmd
from streams.errors import ConfigError
from streams.nlp import NEGATIVE, NEUTRAL, POSITIVE, Sentiment
from streams.nlp.sentiment import Featurizer, clean_text, load_scorer, normalise_for_dedupe

LEX = {"good": 1.9, "bad": -2.5, "love": 3.2, "happy": 2.7, ":)": 2.0, "😍": 2.5, "so": 0.0}


@pytest.fixture(scope="module")
def fz() -> Featurizer:
    return Featurizer(LEX, vocab_words=["so", "good", "cool"], vader=False)


def test_clean_text_decodes_escapes_surrogates_and_entities() -> None:
    assert clean_text(r"it\u2019s \u002c") == "it’s ,"
    assert clean_text(r"\ud83d\ude0d") == "😍"
    assert clean_text("a &gt; b &amp; c") == "a > b & c"


def test_dedupe_key_ignores_handles_urls_case_and_quotes() -> None:
    a = normalise_for_dedupe('"@Bob Great game http://t.co/x  tonight"')
    b = normalise_for_dedupe("@user great game tonight")
    assert a == b
    assert normalise_for_dedupe("great game") != normalise_for_dedupe("bad game")


def test_negation_scope_marks_words_until_clause_punctuation(fz: Featurizer) -> None:
    toks, flags, vals = fz.tokens("I don't like it, but good")
    assert toks[:4] == ["i", "don't", "NEG_like", "NEG_it"]
    assert "good" in toks and "NEG_good" not in toks
    assert "<neg>" in flags
    toks, _, vals = fz.tokens("not bad")
    assert toks == ["not", "NEG_bad"]
    assert vals[-1] > 0  # negated negative word counts as mildly positive lexicon evidence


def test_negation_scope_ends_at_but(fz: Featurizer) -> None:
    toks, _, _ = fz.tokens("not expensive but bad")
    assert toks == ["not", "NEG_expensive", "but", "bad"]


def test_elongations_are_undone_and_flagged(fz: Featurizer) -> None:
    toks, flags, _ = fz.tokens("sooooo goooood")
    assert toks == ["so", "good"]
    assert "<elong>" in flags
    toks, _, _ = fz.tokens("coooool")
    assert toks == ["cool"]


def test_hashtags_emit_tag_and_word_and_sarcasm_markers(fz: Featurizer) -> None:
    toks, flags, vals = fz.tokens("Monday again #happy #not")
    assert "#happy" in toks and "happy" in toks
    assert "<sarc>" in flags
    assert 2.7 in vals
    _, flags, _ = fz.tokens("oh great, another delay. yeah right")
    assert "<sarc>" in flags


def test_emoticons_emojis_urls_users(fz: Featurizer) -> None:
    toks, flags, _ = fz.tokens("@Bob see https://x.co/a :) 😍")
    assert toks == ["<user>", "see", "<url>", ":)", "😍"]
    assert "<emo+>" in flags and "<emoji+>" in flags


def test_features_include_bigrams_and_lexicon_bins(fz: Featurizer) -> None:
    feats = fz.features("love love it")
    assert "love it" in feats and "<s> love" in feats and "it </s>" in feats
    assert feats.count("love") == 2
    assert "lp6" in feats and "ln0" in feats


def test_unknown_model_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown sentiment model 'nope'"):
        load_scorer("nope")


class _FakeScorer:
    name = "fake"
    version = "0"

    def score_batch(self, texts: list[str]) -> list[Sentiment]:
        return [Sentiment(NEGATIVE if "bad" in t else POSITIVE if "good" in t else NEUTRAL, 0.0)
                for t in texts]


def _args(**kw: object) -> argparse.Namespace:
    base = {"input": "-", "out": "-", "model": "fake", "batch_size": 2, "quiet": True}
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_writes_one_label_per_line_in_order(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("streams.nlp.sentiment.load_scorer", lambda name: _FakeScorer())
    src = tmp_path / "in.txt"
    src.write_text("so bad\n\nso good\nmeh\nbad again\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    assert cmd.run(_args(input=str(src), out=str(out))) == 0
    assert out.read_text().splitlines() == ["negative", "neutral", "positive", "neutral", "negative"]


def test_cli_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        cmd.run(_args(input=str(tmp_path / "missing.txt"), model="vader"))


def test_letter_emoticons_in_the_lexicon_do_not_count_as_words() -> None:
    fz = Featurizer({"dx": -3.0, "xd": 2.8, "bad": -2.5}, vader=False)
    toks, _, vals = fz.tokens("the Kindle DX is bad xD")
    assert toks == ["the", "kindle", "dx", "is", "bad", "xd"]
    assert vals == [0.0, 0.0, 0.0, 0.0, -2.5, 2.8]  # "DX" the product: 0; "xD" the emoticon: 2.8
