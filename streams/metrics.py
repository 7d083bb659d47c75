"""Every Prometheus metric repwatch exports, built in one place.

All metrics are created against an injectable :class:`CollectorRegistry` (tests
use a fresh one). Names follow ``repwatch_<what>_<unit>``; counters end in
``_total``; durations are seconds. Entity labels are only ever set for watchlist
entities, and at most ``max_entity_labels`` of them; what the cap drops is
counted in ``repwatch_entity_labels_dropped_total``.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

#: reasons a mention can be rejected to the DLQ (initialised at 0)
REJECT_REASONS = (
    "invalid_utf8",
    "invalid_json",
    "missing_field",
    "invalid_field",
    "too_large",
    "enrichment_error",
)
SEVERITIES = ("ok", "watch", "warning", "critical")
TRANSITIONS = ("opened", "escalated", "updated", "resolved")
STAGES = ("enrich", "aggregate")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_BATCH_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
_CLOSE_DELAY_BUCKETS = (0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics:
    """Holder of all repwatch metrics; one instance per worker process."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        max_entity_labels: int = 500,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.max_entity_labels = max_entity_labels
        self._entity_labels: dict[str, str] = {}  # entity id -> team, for admitted entities

        # --- pipeline ------------------------------------------------------
        self.mentions_consumed = Counter(
            "repwatch_mentions_consumed_total", "Input records consumed from the mentions topic.", registry=r
        )
        self.mentions_processed = Counter(
            "repwatch_mentions_processed_total",
            "Valid mentions fully processed (enriched and forwarded), each mention id once.",
            registry=r,
        )
        self.mentions_rejected = Counter(
            "repwatch_mentions_rejected_total", "Input records sent to the DLQ, by reason.", ["reason"], registry=r
        )
        self.mentions_duplicate = Counter(
            "repwatch_mentions_duplicate_total",
            "Mentions dropped as duplicates of an already counted mention id, by stage.",
            ["stage"],
            registry=r,
        )
        self.mentions_matched = Counter(
            "repwatch_mentions_matched_total", "Mentions that matched at least one watchlist entity.", registry=r
        )
        self.mentions_late = Counter(
            "repwatch_mentions_late_dropped_total",
            "Entity mentions older than the allowed lateness (bucket already closed): counted and dropped. "
            "Includes re-deliveries of mentions already counted (e.g. after an upstream replay).",
            registry=r,
        )
        self.mentions_future = Counter(
            "repwatch_mentions_future_clamped_total",
            "Mentions whose event time was ahead of the worker clock by more than the allowed skew (clamped).",
            registry=r,
        )
        self.dlq_published = Counter(
            "repwatch_dlq_published_total", "Records written to the dead-letter topic.", registry=r
        )
        self.risk_events = Counter(
            "repwatch_risk_events_published_total",
            "RiskEvents published on the risk topic, by transition ('none' = severity change only).",
            ["transition"],
            registry=r,
        )
        self.buckets_closed = Counter(
            "repwatch_buckets_closed_total", "Entity buckets closed and passed to the detector.", registry=r
        )
        self.processing_latency = Histogram(
            "repwatch_processing_latency_seconds",
            "Wall time from a record's Kafka timestamp to the end of its processing, by stage.",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "repwatch_batch_size_mentions", "Mentions per enrichment batch.", buckets=_BATCH_BUCKETS, registry=r
        )
        self.bucket_close_delay = Histogram(
            "repwatch_bucket_close_delay_seconds",
            "Wall time between a bucket's end (event time, replay-adjusted: watermark) and its close.",
            buckets=_CLOSE_DELAY_BUCKETS,
            registry=r,
        )
        self.detector_step = Histogram(
            "repwatch_detector_step_seconds",
            "CPU time of one detector step.",
            buckets=(1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2),
            registry=r,
        )
        self.event_time_lag = Gauge(
            "repwatch_event_time_lag_seconds",
            "Wall clock minus the newest event time processed, by stage (large in replays).",
            ["stage"],
            registry=r,
        )
        self.watermark = Gauge(
            "repwatch_watermark_timestamp_seconds",
            "Event-time watermark (Unix seconds) by stage.",
            ["stage"],
            registry=r,
        )
        self.last_processed = Gauge(
            "repwatch_last_processed_timestamp_seconds",
            "Wall time (Unix seconds) of the last processed record, by stage.",
            ["stage"],
            registry=r,
        )
        self.consumer_lag = Gauge(
            "repwatch_consumer_lag_records",
            "Records behind the partition end, as the client reports it, by topic and partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.assigned_partitions = Gauge(
            "repwatch_assigned_partitions", "Partitions assigned to this worker, by topic.", ["topic"], registry=r
        )
        self.open_buckets = Gauge(
            "repwatch_open_buckets", "Entity buckets held open (waiting for the watermark).", registry=r
        )
        self.tracked_entities = Gauge(
            "repwatch_tracked_entities", "Entities with detector state on this worker.", registry=r
        )
        self.entities_retired = Counter(
            "repwatch_entities_retired_total",
            "Discovered (non-watchlist) entities retired after RRM_DISCOVERED_TTL_SECONDS of silence.",
            registry=r,
        )
        self.build_info = Info("repwatch_build", "Versions of repwatch, its models and its watchlist.", registry=r)

        # --- business (entity-labelled; watchlist entities only, capped) -----
        def entity_gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, ["entity", "team"], registry=r)

        self.entity_risk = entity_gauge(
            "repwatch_entity_risk_score", "Current risk score (0-100) of a watchlist entity."
        )
        self.entity_severity = entity_gauge(
            "repwatch_entity_severity",
            "Current severity of a watchlist entity as a number: 0 ok, 1 watch, 2 warning, 3 critical.",
        )
        self.entity_incident_open = entity_gauge(
            "repwatch_entity_incident_open", "1 while an incident is open for the entity."
        )
        self.entity_incident_severity = entity_gauge(
            "repwatch_entity_incident_severity",
            "Peak severity of the entity's open incident (2 warning, 3 critical; 0 when none is open): "
            "what the reputation alerts page on.",
        )
        self.entity_volume = entity_gauge(
            "repwatch_entity_mentions", "Mentions of the entity in its last closed bucket."
        )
        self.entity_expected_volume = entity_gauge(
            "repwatch_entity_expected_mentions", "Baseline (expected) mentions per bucket of the entity."
        )
        self.entity_negative = entity_gauge(
            "repwatch_entity_negative_mentions", "Negative mentions of the entity in its last closed bucket."
        )
        self.entity_expected_negative = entity_gauge(
            "repwatch_entity_expected_negative_mentions", "Baseline (expected) negative mentions per bucket of the entity."
        )
        self.entity_negative_share = entity_gauge(
            "repwatch_entity_negative_ratio", "Share of negative mentions (0-1) in the entity's last closed bucket."
        )
        self.entity_reach = entity_gauge(
            "repwatch_entity_reach", "Audience reached (sum of author followers) in the last bucket."
        )
        self.entity_unique_authors = entity_gauge(
            "repwatch_entity_unique_authors", "Distinct authors in the entity's last closed bucket."
        )
        self.entity_sentiment = Gauge(
            "repwatch_entity_sentiment_mentions",
            "Mentions in the last closed bucket by sentiment label.",
            ["entity", "team", "sentiment"],
            registry=r,
        )
        self.entity_bucket_end = entity_gauge(
            "repwatch_entity_bucket_end_timestamp_seconds",
            "Event-time end (Unix seconds) of the entity's last closed bucket.",
        )
        self.entity_labels_dropped = Counter(
            "repwatch_entity_labels_dropped_total",
            "Entity metric updates dropped because the entity label cap (RRM_MAX_ENTITY_LABELS) was reached.",
            registry=r,
        )
        self.entity_labels = Gauge(
            "repwatch_entity_labels", "Entities currently exported with metric labels.", registry=r
        )
        self.entity_labels_limit = Gauge(
            "repwatch_entity_labels_limit", "The entity label cap (RRM_MAX_ENTITY_LABELS).", registry=r
        )
        self.entity_labels_limit.set(max_entity_labels)
        self._init_known_labels()

    def _init_known_labels(self) -> None:
        for reason in REJECT_REASONS:
            self.mentions_rejected.labels(reason=reason)
        for t in (*TRANSITIONS, "none"):
            self.risk_events.labels(transition=t)
        for stage in STAGES:
            self.processing_latency.labels(stage=stage)
            self.mentions_duplicate.labels(stage=stage)
            self.event_time_lag.labels(stage=stage)
            self.watermark.labels(stage=stage)
            self.last_processed.labels(stage=stage)

    # --- entity labels -------------------------------------------------------
    def _entity_gauges(self) -> tuple[Gauge, ...]:
        """The {entity,team} gauges created at 0 when an entity is admitted."""
        return (
            self.entity_risk,
            self.entity_severity,
            self.entity_incident_open,
            self.entity_incident_severity,
            self.entity_volume,
            self.entity_expected_volume,
            self.entity_negative,
            self.entity_expected_negative,
            self.entity_negative_share,
            self.entity_reach,
            self.entity_unique_authors,
        )

    def register_entities(self, entities: Iterable[tuple[str, str]]) -> None:
        """Admit watchlist entities (id, team) up to the cap and create their series at 0."""
        for entity, team in entities:
            self._admit(entity, team)

    def _admit(self, entity: str, team: str) -> bool:
        if entity in self._entity_labels:
            return True
        if len(self._entity_labels) >= self.max_entity_labels:
            self.entity_labels_dropped.inc()
            return False
        self._entity_labels[entity] = team
        for g in self._entity_gauges():
            g.labels(entity=entity, team=team)
        for s in ("negative", "neutral", "positive"):
            self.entity_sentiment.labels(entity=entity, team=team, sentiment=s)
        self.entity_labels.set(len(self._entity_labels))
        return True

    def forget_entity(self, entity: str) -> None:
        """Remove an entity's series (its partition moved to another worker)."""
        team = self._entity_labels.pop(entity, None)
        if team is None:
            return
        for g in (*self._entity_gauges(), self.entity_bucket_end):
            try:
                g.remove(entity, team)
            except KeyError:
                pass
        for s in ("negative", "neutral", "positive"):
            try:
                self.entity_sentiment.remove(entity, team, s)
            except KeyError:
                pass
        self.entity_labels.set(len(self._entity_labels))

    def observe_entity(
        self,
        entity: str,
        team: str,
        *,
        score: float,
        severity_rank: int,
        incident_open: bool,
        volume: int,
        incident_severity_rank: int = 0,
        expected_volume: float,
        negative: int,
        expected_negative: float,
        positive: int,
        neutral: int,
        reach: float,
        unique_authors: int,
        bucket_end: float,
    ) -> bool:
        """Update an entity's series after a bucket closed; False if the label cap dropped it."""
        if not self._admit(entity, team):
            return False
        lbl = {"entity": entity, "team": team}
        self.entity_risk.labels(**lbl).set(score)
        self.entity_severity.labels(**lbl).set(severity_rank)
        self.entity_incident_open.labels(**lbl).set(1 if incident_open else 0)
        self.entity_incident_severity.labels(**lbl).set(incident_severity_rank if incident_open else 0)
        self.entity_volume.labels(**lbl).set(volume)
        self.entity_expected_volume.labels(**lbl).set(expected_volume)
        self.entity_negative.labels(**lbl).set(negative)
        self.entity_expected_negative.labels(**lbl).set(expected_negative)
        self.entity_negative_share.labels(**lbl).set(negative / volume if volume else 0.0)
        self.entity_reach.labels(**lbl).set(reach)
        self.entity_unique_authors.labels(**lbl).set(unique_authors)
        self.entity_sentiment.labels(sentiment="negative", **lbl).set(negative)
        self.entity_sentiment.labels(sentiment="neutral", **lbl).set(neutral)
        self.entity_sentiment.labels(sentiment="positive", **lbl).set(positive)
        self.entity_bucket_end.labels(**lbl).set(bucket_end)
        return True
