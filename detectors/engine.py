"""Surge detector: a small, serialisable state machine over closed buckets.

``SurgeDetector.step(state, bucket, sensitivity) -> (state, assessment)``.

Baseline implementation (issue #2): an EWMA baseline of negative volume with a
Poisson-style surprise score, warm-up, and a simple incident lifecycle. Issue #3
replaces the internals behind this same interface.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime

from detectors.types import Assessment, Bucket, JSONState, Sensitivity, Severity, Transition


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Tunables of the detector. Defaults are fixed in advance, not per data set."""

    alpha: float = 0.05  # EWMA weight of the newest bucket
    warmup_buckets: int = 24  # buckets of history before anything can page
    watch_score: float = 40.0
    warning_score: float = 60.0
    critical_score: float = 80.0
    resolve_score: float = 30.0  # hysteresis: incident resolves below this...
    cooldown_buckets: int = 6  # ...after this many consecutive calm buckets
    min_negative: int = 5


@dataclass(slots=True)
class DetectorState:
    """Per-entity detector state; JSON-serialisable via ``to_dict``/``from_dict``."""

    n: int = 0
    mean_volume: float = 0.0
    mean_negative: float = 0.0
    incident_id: str | None = None
    incident_severity: str = Severity.OK.value
    calm_buckets: int = 0
    last_end: str | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> JSONState:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JSONState) -> DetectorState:
        return cls(**data)


def _severity_for(score: float, cfg: DetectorConfig) -> Severity:
    if score >= cfg.critical_score:
        return Severity.CRITICAL
    if score >= cfg.warning_score:
        return Severity.WARNING
    if score >= cfg.watch_score:
        return Severity.WATCH
    return Severity.OK


class SurgeDetector:
    """Pure detector: no I/O, no clock reads; deterministic in its inputs."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()

    def new_state(self) -> DetectorState:
        return DetectorState()

    def step(
        self, state: DetectorState, bucket: Bucket, sensitivity: Sensitivity | None = None
    ) -> tuple[DetectorState, Assessment]:
        cfg = self.config
        sens = sensitivity or Sensitivity()
        expected_neg = state.mean_negative
        expected_vol = state.mean_volume
        # Poisson z-score of negative volume against the baseline (count-aware).
        lam = max(expected_neg, 1.0)
        z = (bucket.negative - lam) / math.sqrt(lam)
        score = 0.0
        min_neg = sens.min_negative if sens.min_negative is not None else cfg.min_negative
        if state.n >= cfg.warmup_buckets and bucket.negative >= min_neg:
            score = max(0.0, min(100.0, 100.0 * (1.0 - math.exp(-max(z, 0.0) / 6.0))))
            score = min(100.0, score * sens.multiplier)
        severity = _severity_for(score, cfg)
        reasons: list[str] = []
        if z > 3:
            reasons.append(
                f"negative mentions {bucket.negative} vs expected {expected_neg:.1f} (z={z:.1f})"
            )
        new = DetectorState(**state.to_dict())
        new.n = state.n + 1
        # Don't let a surge poison its own baseline: update slowly while elevated.
        a = cfg.alpha if severity.rank < Severity.WARNING.rank else cfg.alpha / 10
        if state.n == 0:
            new.mean_volume, new.mean_negative = float(bucket.volume), float(bucket.negative)
        else:
            new.mean_volume = (1 - a) * state.mean_volume + a * bucket.volume
            new.mean_negative = (1 - a) * state.mean_negative + a * bucket.negative
        new.last_end = bucket.end.isoformat()
        transition, incident_id = self._lifecycle(new, bucket.entity_id, bucket.start, severity, score)
        return new, Assessment(
            entity_id=bucket.entity_id,
            start=bucket.start,
            end=bucket.end,
            score=round(score, 2),
            severity=severity,
            expected_volume=round(expected_vol, 3),
            expected_negative=round(expected_neg, 3),
            signals={"negative_z": round(z, 3)},
            reasons=tuple(reasons),
            incident_id=incident_id,
            transition=transition,
        )

    def _lifecycle(
        self, st: DetectorState, entity_id: str, start: datetime, severity: Severity, score: float
    ) -> tuple[Transition | None, str | None]:
        cfg = self.config
        if st.incident_id is None:
            if severity.rank >= Severity.WARNING.rank:
                st.incident_id = f"{entity_id}@{start.strftime('%Y%m%dT%H%M%SZ')}"
                st.incident_severity = severity.value
                st.calm_buckets = 0
                return Transition.OPENED, st.incident_id
            return None, None
        current = Severity(st.incident_severity)
        if severity.rank > current.rank:
            st.incident_severity = severity.value
            st.calm_buckets = 0
            return Transition.ESCALATED, st.incident_id
        if score < cfg.resolve_score:
            st.calm_buckets += 1
            if st.calm_buckets >= cfg.cooldown_buckets:
                incident = st.incident_id
                st.incident_id = None
                st.incident_severity = Severity.OK.value
                st.calm_buckets = 0
                return Transition.RESOLVED, incident
        else:
            st.calm_buckets = 0
        return Transition.UPDATED, st.incident_id
