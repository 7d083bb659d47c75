"""Scenario evaluation: run the built-in labelled scenarios through the offline pipeline.

For each scenario: when (event time) the target entity first reached ``warning`` and
``critical`` (delay from the labelled onset), every incident opened on any entity, and
false alerts (incidents opened where none is expected) per entity-day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from detectors import DetectorConfig, Severity, Transition
from streams.aggregate import Closed
from streams.settings import Settings


@dataclass(frozen=True)
class Page:
    """An incident opening (what pages the on-call)."""

    entity_id: str
    at: datetime  # end of the bucket that opened it
    incident_id: str
    score: float
    reasons: tuple[str, ...]


@dataclass
class ScenarioOutcome:
    name: str
    seed: int
    target: str | None
    onset: datetime | None
    expected: str  # "critical" | "none"
    entity_days: float
    first_warning: datetime | None = None
    first_critical: datetime | None = None
    pages: list[Page] = field(default_factory=list)
    peak_score: dict[str, float] = field(default_factory=dict)
    buckets: int = 0

    @property
    def warning_delay_min(self) -> float | None:
        if self.onset is None or self.first_warning is None:
            return None
        return (self.first_warning - self.onset).total_seconds() / 60.0

    @property
    def critical_delay_min(self) -> float | None:
        if self.onset is None or self.first_critical is None:
            return None
        return (self.first_critical - self.onset).total_seconds() / 60.0

    @property
    def false_pages(self) -> list[Page]:
        """Pages that are not the expected incident on the target entity after onset."""
        out = []
        for p in self.pages:
            expected = (
                self.expected == "critical"
                and p.entity_id == self.target
                and self.onset is not None
                and p.at > self.onset
            )
            if not expected:
                out.append(p)
        return out

    @property
    def false_alerts_per_entity_day(self) -> float:
        return len(self.false_pages) / self.entity_days if self.entity_days > 0 else 0.0

    def passed(self, max_critical_delay_min: float = 30.0) -> bool:
        if self.false_pages:
            return False
        if self.expected == "critical":
            d = self.critical_delay_min
            return d is not None and d <= max_critical_delay_min
        return True


def outcome_from_closed(
    truth: dict, closed: Iterable[Closed], warmup_s: float = 0.0
) -> ScenarioOutcome:
    """Summarise the closed buckets of one scenario run against its ground truth."""
    onset = datetime.fromisoformat(truth["onset"]) if truth.get("onset") else None
    start = datetime.fromisoformat(truth["start"])
    end = datetime.fromisoformat(truth["end"])
    target = truth.get("entity_id")
    out = ScenarioOutcome(
        name=truth["scenario"],
        seed=int(truth.get("seed", 0)),
        target=target,
        onset=onset,
        expected=truth.get("expected", "none"),
        entity_days=0.0,
    )
    entities: set[str] = set()
    for c in closed:
        a = c.assessment
        out.buckets += 1
        entities.add(a.entity_id)
        out.peak_score[a.entity_id] = max(out.peak_score.get(a.entity_id, 0.0), a.score)
        if a.transition is Transition.OPENED and a.incident_id is not None:
            out.pages.append(Page(a.entity_id, a.end, a.incident_id, a.score, a.reasons))
        if a.entity_id == target and onset is not None and a.end > onset:
            if out.first_warning is None and a.severity.rank >= Severity.WARNING.rank:
                out.first_warning = a.end
            if out.first_critical is None and a.severity is Severity.CRITICAL:
                out.first_critical = a.end
    days = max(0.0, (end - start).total_seconds() - warmup_s) / 86400.0
    out.entity_days = days * len(entities)
    return out


def run_scenario(
    name: str, seed: int = 7, settings: Settings | None = None, config: DetectorConfig | None = None
) -> ScenarioOutcome:
    """Generate scenario ``name`` and run it through the offline pipeline (same code as the stream);
    ``config`` replaces the detector's default configuration (experiments)."""
    from streams.pipeline import run_offline
    from streams.scenarios import generate

    cfg = config or DetectorConfig()
    sc = generate(name, seed=seed)
    result = run_offline(sc.mentions, settings, detector_config=cfg)
    return outcome_from_closed(sc.truth, result.closed, warmup_s=cfg.warmup_s)
