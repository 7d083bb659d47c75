"""Value types shared by every detector and by the streaming/offline callers.

This module is the contract between ``streams/`` (which builds closed
:class:`Bucket` summaries from mentions) and ``detectors/`` (which turns a
sequence of buckets into risk assessments). It is pure Python: no Kafka,
Faust, spaCy, Prometheus, I/O or clock reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """Ordered severity levels of an entity's current risk."""

    OK = "ok"
    WATCH = "watch"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.OK: 0, Severity.WATCH: 1, Severity.WARNING: 2, Severity.CRITICAL: 3}


class Transition(str, Enum):
    """Incident lifecycle transitions published on the risk topic."""

    OPENED = "opened"
    ESCALATED = "escalated"
    UPDATED = "updated"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Bucket:
    """Closed event-time bucket of one entity's mentions.

    Counts are over de-duplicated mentions (each mention id once).
    ``start``/``end`` are timezone-aware; ``end`` is exclusive.
    """

    entity_id: str
    start: datetime
    end: datetime
    volume: int = 0
    negative: int = 0
    positive: int = 0
    neutral: int = 0
    #: sum of author follower counts over all mentions (audience reached)
    reach: float = 0.0
    #: sum of author follower counts over negative mentions
    negative_reach: float = 0.0
    unique_authors: int = 0
    unique_negative_authors: int = 0
    #: the largest number of mentions written by a single author in this bucket
    top_author_count: int = 0
    #: distinct normalised texts among negative mentions (copy-paste floods have few)
    unique_negative_texts: int = 0
    #: negative authors of this bucket, each weighted by how new a voice it is for this entity:
    #: ``max(0, 1 - m)`` where ``m`` is the author's earlier negative mentions of the entity,
    #: decayed with a one-hour half-life (1 = not heard from lately; an account posting every
    #: bucket all hour ~0). Spreads a thin flood's sameness across buckets. None = unknown
    #: (count series, producers without author memory): no cross-bucket discount.
    negative_voices: float | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Bucket.start and Bucket.end must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("Bucket.end must be after Bucket.start")


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """Per-entity overrides declared in the watchlist.

    ``multiplier`` > 1 makes the entity page more easily (scores are scaled up),
    < 1 less easily. ``min_negative`` is the minimum negative mentions in a
    bucket before the entity can reach ``warning`` or above. ``emerging_min_negative``
    is set by the aggregator for discovered entities, never from the watchlist.
    """

    multiplier: float = 1.0
    min_negative: int | None = None
    #: entities found in the stream (not on the watchlist) only: during warm-up, when there is
    #: no baseline yet, an incident may open on a bucket with at least this many effective
    #: negative voices making up at least half of its volume ("emerging"). None (every
    #: watchlist entity): warm-up holds every incident, as for paging.
    emerging_min_negative: int | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The detector's verdict on one closed bucket of one entity."""

    entity_id: str
    start: datetime
    end: datetime
    score: float  # 0..100
    severity: Severity
    expected_volume: float
    expected_negative: float
    #: named signal values, each in its own unit (documented by the detector)
    signals: dict[str, float] = field(default_factory=dict)
    #: one human sentence per notable signal, including discounts applied
    reasons: tuple[str, ...] = ()
    incident_id: str | None = None
    transition: Transition | None = None
    #: peak severity of the incident ``incident_id`` so far (None when no incident)
    incident_severity: Severity | None = None
    #: start of the bucket that opened ``incident_id`` ("since when"; None when no incident)
    incident_since: datetime | None = None


JSONState = dict[str, Any]
