"""Built-in, labelled scenarios: deterministic mention streams with ground truth.

``generate(name, seed)`` returns a :class:`Scenario`: the mentions (dicts in the
input schema, ordered by event time), the ground truth (which entity, surge onset in
event time, expected outcome) and, for every mention, the watchlist entities it
truly refers to (for measuring the matcher).

Scenarios: kindle-1984, united-guitars, sonos-praise, bot-flood, bot-drip, quiet-day.
Each has days of baseline chatter with daily seasonality for the default
watchlist's entities (so warm-up is behind us when a surge starts), realistic
varied texts (handles, hashtags, URLs, typos, emojis) and distractors that must not
match ("apple pie", "united states").
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from streams.errors import ScenarioError
from streams.scenarios import texts as T


@dataclass
class Scenario:
    name: str
    description: str
    mentions: list[dict]
    truth: dict
    mention_entities: dict[str, list[str]] = field(default_factory=dict)
    # the sentiment each mention was written with (-1/0/1; distractors have none): for measuring
    # how much of a detection delay is the sentiment model's, not the detector's
    intended_sentiment: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Spec:
    description: str
    start: datetime
    days: float
    target: str | None
    onset: datetime | None
    expected: str  # "critical" | "none"
    surge: Callable[[_Gen, datetime, datetime], None] | None


_LABEL = {"neg": -1, "neu": 0, "pos": 1}


class _Gen:
    """Mention factory with a seeded RNG; everything derives from the seed."""

    def __init__(self, seed: int, name: str) -> None:
        self.rng = random.Random(f"{name}:{seed}")
        self.name = name
        self.mentions: list[dict] = []
        self.truth_entities: dict[str, list[str]] = {}
        self.intended: dict[str, int] = {}
        self._n = 0
        self.authors = [self._author(i) for i in range(6000)]

    def _author(self, i: int) -> dict:
        r = self.rng
        base = r.choice(T.HANDLE_WORDS) + r.choice(["", "_", "."]) + r.choice(T.HANDLE_WORDS)
        handle = "@" + (base + str(r.randint(1, 9999)) if r.random() < 0.6 else base)[:15].replace(".", "_")
        followers = int(min(5e6, math.exp(r.gauss(5.0, 1.8))))
        return {"id": f"u{i:05d}", "handle": handle, "followers": followers, "verified": followers > 500_000}

    def emit(self, when: datetime, text: str, entities: list[str], author: dict | None = None,
             platform: str | None = None, sentiment: int | None = None) -> None:
        r = self.rng
        self._n += 1
        mid = f"{self.name[:3]}-{self._n:07d}-{r.randrange(16**6):06x}"
        a = author or r.choice(self.authors)
        self.mentions.append(
            {
                "id": mid,
                "platform": platform or r.choices(["twitter", "facebook", "reddit", "forum"], [70, 15, 10, 5])[0],
                "author": dict(a),
                "text": text,
                "lang": "en",
                "created_at": when.isoformat().replace("+00:00", "Z"),
                "url": f"https://social.example/{a['handle'][1:]}/status/{self._n}",
                "engagement": {"likes": int(r.expovariate(1 / 8)), "shares": int(r.expovariate(1 / 3)),
                               "replies": int(r.expovariate(1 / 2))},
            }
        )
        self.truth_entities[mid] = entities
        if sentiment is not None:
            self.intended[mid] = sentiment

    # --- baseline ---------------------------------------------------------------
    def baseline(self, start: datetime, end: datetime, scale: float = 1.0) -> None:
        """Chatter for every default watchlist entity with daily seasonality."""
        r = self.rng
        for ent, per_hour in T.BASELINE_RATES.items():
            t = start
            while True:
                hour = t.hour + t.minute / 60
                season = 1.0 + 0.6 * math.sin((hour - 9) / 24 * 2 * math.pi)  # peak ~15:00 UTC
                rate = per_hour * scale * season / 3600.0
                t += timedelta(seconds=r.expovariate(rate))
                if t >= end:
                    break
                label = r.choices(["neg", "neu", "pos"], T.BASELINE_MIX)[0]
                self.emit(t, T.baseline_text(r, ent, label), [ent], sentiment=_LABEL[label])
        # distractors: ambiguous words that refer to no watchlist entity
        t = start
        while True:
            t += timedelta(seconds=r.expovariate(40 * scale / 3600.0))
            if t >= end:
                break
            self.emit(t, T.distractor(r), [])

    def wave(self, entity: str, onset: datetime, *, start_per_hour: float, peak_per_hour: float,
             doubling_min: float, decay_hours: float, kind: str, end: datetime) -> None:
        """A crowd wave: from ``start_per_hour`` at onset (the story breaks), doubling every
        ``doubling_min`` minutes up to the peak, then exponential decay."""
        r = self.rng
        base = start_per_hour
        ramp = ramp_hours(start_per_hour, peak_per_hour, doubling_min)
        t = onset
        while t < end:
            dt_h = (t - onset).total_seconds() / 3600
            if dt_h <= ramp:
                rate = base * 2 ** (dt_h * 60 / doubling_min)
            else:
                rate = peak_per_hour * math.exp(-(dt_h - ramp) / decay_hours)
            rate = max(rate, 1.0)
            t += timedelta(seconds=r.expovariate(rate / 3600.0))
            if t >= end:
                break
            text, label_ents = T.wave_text(r, entity, kind)
            self.emit(t, text, label_ents, sentiment=1 if kind == "sonos" else -1)


def ramp_hours(start_per_hour: float, peak_per_hour: float, doubling_min: float, **_: float) -> float:
    """How long a crowd wave doubles before it peaks (hours)."""
    return math.log2(peak_per_hour / start_per_hour) * doubling_min / 60


def _wave(entity: str, kind: str, **shape: float) -> Callable[[_Gen, datetime, datetime], None]:
    """A surge function for ``_Spec``: a crowd wave of ``kind`` texts about ``entity``."""

    def surge(g: _Gen, onset: datetime, end: datetime) -> None:
        g.wave(entity, onset, kind=kind, end=end, **shape)

    return surge


#: the crowd waves' shapes, by scenario (the ground truth of ``bench.doubling_time``)
WAVE_SHAPES: dict[str, dict[str, float]] = {
    "kindle-1984": {"start_per_hour": 60, "peak_per_hour": 1500, "doubling_min": 15, "decay_hours": 5},
    "united-guitars": {"start_per_hour": 40, "peak_per_hour": 1200, "doubling_min": 20, "decay_hours": 6},
    "sonos-praise": {"start_per_hour": 60, "peak_per_hour": 1500, "doubling_min": 15, "decay_hours": 5},
}
_kindle = _wave("amazon-kindle", "kindle", **WAVE_SHAPES["kindle-1984"])
_united = _wave("united-airlines", "united", **WAVE_SHAPES["united-guitars"])
_sonos = _wave("sonos", "sonos", **WAVE_SHAPES["sonos-praise"])


def _accounts(r: random.Random, n: int, id_prefix: str, handle_prefix: str, followers: tuple[int, int]) -> list[dict]:
    """``n`` small unverified accounts of a flood (numbered ids and handles)."""
    return [{"id": f"{id_prefix}{i}", "handle": f"{handle_prefix}{i}", "followers": r.randint(*followers),
             "verified": False} for i in range(n)]


def _bots(g: _Gen, onset: datetime, end: datetime) -> None:
    """A handful of accounts repeating one negative text about Tesla, fast."""
    r = g.rng
    bots = _accounts(r, 6, "bot", "@tsla_truth", (3, 60))
    text = T.BOT_TEXT
    t = onset
    stop = onset + timedelta(hours=5)
    while t < min(stop, end):
        t += timedelta(seconds=r.expovariate(900 / 3600.0))
        suffix = r.choice(["", "", " !!", " #tesla", " http://bit.ly/" + "".join(r.choices("abcdefg123", k=6))])
        g.emit(t, text + suffix, ["tesla"], author=r.choice(bots), platform="twitter", sentiment=-1)


def _drip(g: _Gen, onset: datetime, end: datetime) -> None:
    """A thin flood: eight accounts, each posting a different negative text about Tesla about
    every 6 minutes for 5 hours. About one post per account and bucket, all texts distinct, so
    no single bucket shows a bot; only the same authors coming back does."""
    r = g.rng
    bots = _accounts(r, 8, "drip", "@ev_truth_", (20, 900))
    stop = min(onset + timedelta(hours=5), end)
    for bot in bots:
        t = onset + timedelta(seconds=r.uniform(0, 360))
        while t < stop:
            g.emit(t, T.baseline_text(r, "tesla", "neg"), ["tesla"], author=bot, platform="twitter", sentiment=-1)
            t += timedelta(seconds=r.uniform(0.5, 1.5) * 360)


SCENARIOS: dict[str, _Spec] = {
    "kindle-1984": _Spec(
        "Amazon remotely deletes Orwell's 1984 from Kindles (July 2009): a negative viral wave.",
        datetime(2009, 7, 15, 0, 0, tzinfo=UTC), 3.0, "amazon-kindle",
        datetime(2009, 7, 17, 14, 0, tzinfo=UTC), "critical", _kindle),
    "united-guitars": _Spec(
        "'United Breaks Guitars' (July 2009): a video-driven negative wave against United Airlines.",
        datetime(2009, 7, 5, 0, 0, tzinfo=UTC), 3.0, "united-airlines",
        datetime(2009, 7, 7, 16, 0, tzinfo=UTC), "critical", _united),
    "sonos-praise": _Spec(
        "A positive viral wave: Sonos praised everywhere after a launch. Must not raise risk.",
        datetime(2021, 3, 1, 0, 0, tzinfo=UTC), 3.0, "sonos",
        datetime(2021, 3, 3, 15, 0, tzinfo=UTC), "none", _sonos),
    "bot-flood": _Spec(
        "Six accounts post one negative text about Tesla hundreds of times. Must not page as a crowd.",
        datetime(2022, 5, 2, 0, 0, tzinfo=UTC), 3.0, "tesla",
        datetime(2022, 5, 4, 13, 0, tzinfo=UTC), "none", _bots),
    "bot-drip": _Spec(
        "Eight accounts each post a different negative text about Tesla every ~6 min for 5 hours "
        "(a thin flood: ~1 post per account and bucket). Must not page as a crowd.",
        datetime(2022, 5, 2, 0, 0, tzinfo=UTC), 3.0, "tesla",
        datetime(2022, 5, 4, 13, 0, tzinfo=UTC), "none", _drip),
    "quiet-day": _Spec(
        "Baseline traffic with daily seasonality for every entity. Nothing should page.",
        datetime(2023, 1, 9, 0, 0, tzinfo=UTC), 3.0, None, None, "none", None),
}


def generate(name: str, seed: int = 7, *, scale: float = 1.0) -> Scenario:
    """Build scenario ``name`` deterministically from ``seed``.

    ``scale`` multiplies the baseline rates (benchmarks use larger scales)."""
    spec = SCENARIOS.get(name)
    if spec is None:
        raise ScenarioError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
    g = _Gen(seed, name)
    end = spec.start + timedelta(days=spec.days)
    g.baseline(spec.start, end, scale=scale)
    if spec.surge is not None and spec.onset is not None:
        spec.surge(g, spec.onset, end)
    g.mentions.sort(key=lambda m: (m["created_at"], m["id"]))
    truth = {
        "scenario": name,
        "seed": seed,
        "description": spec.description,
        "start": spec.start.isoformat(),
        "end": end.isoformat(),
        "entity_id": spec.target,
        "onset": spec.onset.isoformat() if spec.onset else None,
        "expected": spec.expected,
        "mentions": len(g.mentions),
    }
    return Scenario(name, spec.description, g.mentions, truth, g.truth_entities, g.intended)
