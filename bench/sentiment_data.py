"""Load the sentiment corpora for training and evaluation (bench only, never at run time).

* ``pool``: SemEval 2013-2016 Task 4A tweets (``../shared/data/sentiment/semeval2013-2016``),
  de-duplicated by id and by normalised text, with every tweet that also occurs in
  TweetEval val removed (same normalised text, or the same 60-character prefix after a
  retweet prefix: near-duplicates), then split by a stable hash of the near-duplicate key
  into ``train`` (90 %) and ``heldout`` (10 %, never used for tuning).
* ``val``: TweetEval sentiment validation split (2,000 tweets).

Labels are -1 (negative), 0 (neutral), 1 (positive).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from streams.nlp.sentiment import normalise_for_dedupe

DATA_ROOT = Path(os.environ.get("REPWATCH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SENT_ROOT = DATA_ROOT / "sentiment"
LABELS = {"negative": -1, "neutral": 0, "positive": 1}
HELDOUT_PERCENT = 10


@dataclass
class Split:
    texts: list[str]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class Corpora:
    train: Split
    heldout: Split
    val: Split
    stats: dict[str, int]


def load_val(root: Path = SENT_ROOT) -> Split:
    d = root / "tweeteval-val"
    texts = [t.rstrip("\n").strip() for t in (d / "val_text.txt").read_text(encoding="utf-8").splitlines()]
    labels = [int(x) - 1 for x in (d / "val_labels.txt").read_text().split()]
    if len(texts) != len(labels):
        raise ValueError(f"{d}: {len(texts)} texts but {len(labels)} labels")
    return Split(texts, labels)


def near_key(key: str) -> str:
    """Coarser key for near-duplicates: a retweet prefix and trailing ellipsis removed, first 60
    characters (only for texts long enough for a prefix to identify them)."""
    k = _RT.sub("", key).rstrip(" .…")
    return "~" + k[:60] if len(k) >= 30 else key


_RT = re.compile(r"^rt @user:? ")


def _heldout(key: str) -> bool:
    return int(hashlib.md5(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < HELDOUT_PERCENT


def load_corpora(root: Path = SENT_ROOT) -> Corpora:
    val = load_val(root)
    val_keys = {normalise_for_dedupe(t) for t in val.texts}
    val_keys |= {near_key(k) for k in val_keys}
    seen_ids: set[str] = set()
    by_key: dict[str, tuple[str, int]] = {}
    conflicts: set[str] = set()
    stats = {"rows": 0, "dup_id": 0, "dup_text": 0, "conflict": 0, "val_overlap": 0}
    val_hit: set[str] = set()
    for f in sorted((root / "semeval2013-2016").glob("*.tsv")):
        for line in f.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or parts[1] not in LABELS:
                continue
            stats["rows"] += 1
            tid, lab, text = parts[0], LABELS[parts[1]], parts[2].strip()
            if len(text) >= 2 and text[0] == '"' and text.count('"') % 2 == 1:
                text = text[1:]
            if tid in seen_ids:
                stats["dup_id"] += 1
                continue
            seen_ids.add(tid)
            key = normalise_for_dedupe(text)
            if key in val_keys or near_key(key) in val_keys:
                stats["val_overlap"] += 1
                val_hit.add(key)
                continue
            if key in by_key:
                stats["dup_text"] += 1
                if by_key[key][1] != lab:
                    conflicts.add(key)
                continue
            by_key[key] = (text, lab)
    stats["conflict"] = len(conflicts)
    stats["val_tweets_found_in_pool"] = len(val_hit)
    train, held = Split([], []), Split([], [])
    for key, (text, lab) in by_key.items():
        if key in conflicts:
            continue
        s = held if _heldout(near_key(key)) else train  # near-duplicates stay on one side
        s.texts.append(text)
        s.labels.append(lab)
    stats["train"], stats["heldout"], stats["val"] = len(train), len(held), len(val)
    return Corpora(train, held, val, stats)


def macro_recall(gold: list[int], pred: list[int]) -> float:
    """Macro-averaged recall over the three classes (TweetEval's official metric), in percent."""
    recalls = []
    for c in (-1, 0, 1):
        n = sum(1 for g in gold if g == c)
        if n:
            recalls.append(sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c) / n)
    return 100.0 * sum(recalls) / len(recalls)


if __name__ == "__main__":
    c = load_corpora()
    print(c.stats)
    for name, s in (("train", c.train), ("heldout", c.heldout), ("val", c.val)):
        print(name, {k: s.labels.count(k) for k in (-1, 0, 1)})
