"""The offline pipeline: the same enrichment, aggregation and detector code as the
stream, run in-process over a list of mentions (backtests, tests, benchmarks).

Mentions are processed in arrival order in batches, exactly as the enrich agent
does; the watermark is the newest event time seen (one ordered source); at the end
of input the source is idle, so every bucket ending at or before the newest
event time minus the allowed lateness closes — as the live stream does once its
input goes quiet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from detectors import DetectorConfig, Sensitivity, SurgeDetector
from streams.aggregate import (
    AggConfig,
    Closed,
    EntityInfo,
    apply_partial,
    close_ready,
    merge_watermark,
    new_entity_state,
    retire_if_idle,
)
from streams.enrich import Enricher, RecentIds, build_partials
from streams.nlp import build_discoverer, build_matcher, build_sentiment
from streams.schemas import Mention, RiskEvent, decode_mention
from streams.settings import Settings
from streams.watchlist import Watchlist, load_watchlist


def entity_infos(watchlist: Watchlist) -> dict[str, EntityInfo]:
    return {
        e.id: EntityInfo(name=e.name, team=e.team, sensitivity=e.sensitivity.to_detector())
        for e in watchlist.entities
    }


def info_for(infos: dict[str, EntityInfo], state: dict, emerging_min_negative: int = 0) -> EntityInfo:
    """The watchlist entity's info, or one for an entity discovered in the stream: no team, and
    (if ``emerging_min_negative`` > 0) allowed to open an "emerging" incident during warm-up."""
    info = infos.get(state["id"])
    if info is None:
        sens = Sensitivity(emerging_min_negative=emerging_min_negative) if emerging_min_negative > 0 else None
        info = EntityInfo(name=state.get("name", state["id"]), team="", sensitivity=sens, watchlisted=False)
    return info


@dataclass
class OfflineResult:
    risk_events: list[RiskEvent] = field(default_factory=list)
    closed: list[Closed] = field(default_factory=list)
    consumed: int = 0
    processed: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    late: int = 0
    retired: int = 0
    states: dict[str, dict] = field(default_factory=dict)

    def summary(self) -> dict:
        critical = [e for e in self.risk_events if e.severity == "critical"]
        first_critical: dict[str, str] = {}
        for e in critical:
            first_critical.setdefault(e.entity_id, e.window_end.isoformat())
        return {
            "consumed": self.consumed,
            "processed": self.processed,
            "rejected": dict(self.rejected),
            "duplicates": self.duplicates,
            "late_dropped": self.late,
            "risk_events": len(self.risk_events),
            "entities_tracked": sum(1 for s in self.states.values() if not s.get("gc")),
            "entities_retired": self.retired,
            "first_critical": first_critical,
        }


def agg_config(settings: Settings) -> AggConfig:
    """The aggregation settings, one definition for the worker and the offline pipeline
    (a setting wired in only one of them would make a replay differ from the live run)."""
    return AggConfig(
        bucket_seconds=settings.bucket_seconds,
        allowed_lateness=settings.allowed_lateness_seconds,
        discovered_ttl=settings.discovered_ttl_seconds,
        evidence_posts=settings.evidence_posts,
        emerging_min_negative=settings.emerging_min_negative,
    )


def build_enricher(settings: Settings, watchlist: Watchlist) -> Enricher:
    """Matcher, sentiment scorer and (optional) discovery as the settings select them."""
    return Enricher(
        build_matcher(watchlist),
        build_sentiment(settings.sentiment_model),
        build_discoverer(settings.ner != "off", watchlist, hashtags=settings.discover_hashtags == "on",
                         contextual=settings.ner == "contextual"),
    )


class OfflinePipeline:
    def __init__(
        self,
        settings: Settings,
        watchlist: Watchlist | None = None,
        enricher: Enricher | None = None,
        detector_config: DetectorConfig | None = None,
    ):
        self.settings = settings
        self.watchlist = watchlist or load_watchlist(settings.watchlist)
        self.enricher = enricher or build_enricher(settings, self.watchlist)
        self.cfg = agg_config(settings)
        self.detector = SurgeDetector(detector_config)
        self.infos = entity_infos(self.watchlist)
        self.meta: dict = {}
        self.recent = RecentIds()
        self.result = OfflineResult()

    def feed(self, batch: list[Mention | bytes | dict]) -> None:
        r = self.result
        mentions: list[Mention] = []
        for item in batch:
            r.consumed += 1
            if isinstance(item, Mention):
                m: Mention | object = item
            else:
                raw = item if isinstance(item, bytes) else json.dumps(item).encode()
                m = decode_mention(raw)
            if not isinstance(m, Mention):
                r.rejected[m.reason] = r.rejected.get(m.reason, 0) + 1  # type: ignore[attr-defined]
                continue
            if self.recent.seen(m.id):
                r.duplicates += 1
                continue
            mentions.append(m)
        enriched, failed = self.enricher.enrich(mentions)
        for _ in failed:
            r.rejected["enrichment_error"] = r.rejected.get("enrichment_error", 0) + 1
        for partial in build_partials(enriched, self.cfg.bucket_seconds):
            st = r.states.get(partial["e"])
            if st is None:
                st = r.states[partial["e"]] = new_entity_state(partial["e"])
            stats = apply_partial(st, partial, self.cfg)
            r.duplicates += stats.duplicates
            r.late += stats.late
        r.processed += len(mentions) - len(failed)
        if mentions:
            wm = max(m.created_at.timestamp() for m in mentions)
            self._advance({"k": "w", "src": {"offline": wm}, "idle": []})

    def finish(self) -> OfflineResult:
        if self.meta.get("src"):
            self._advance({"k": "w", "src": {}, "idle": ["offline"]})
        return self.result

    def _advance(self, tick: dict) -> None:
        horizon = merge_watermark(self.meta, tick, self.cfg.allowed_lateness)
        if horizon is None:
            return
        for eid in sorted(self.result.states):
            st = self.result.states[eid]
            if st.get("gc"):
                continue  # retired discovered entity: not stepped until its next mention
            for c in close_ready(st, horizon, self.cfg, self.detector,
                                     info_for(self.infos, st, self.cfg.emerging_min_negative)):
                self.result.closed.append(c)
                if c.event is not None:
                    self.result.risk_events.append(c.event)
            if retire_if_idle(st, self.cfg):
                self.result.retired += 1


def run_offline(
    mentions: Iterable[Mention | bytes | dict],
    settings: Settings | None = None,
    watchlist: Watchlist | None = None,
    progress: Callable[[int], None] | None = None,
    enricher: Enricher | None = None,
    detector_config: DetectorConfig | None = None,
) -> OfflineResult:
    """Run enrichment + aggregation + detection over ``mentions`` (in arrival order).

    ``enricher`` replaces the one the settings select (benchmarks: e.g. oracle sentiment);
    ``detector_config`` the detector's default configuration (experiments only)."""
    from streams.settings import load_settings

    settings = settings or load_settings()
    pipe = OfflinePipeline(settings, watchlist, enricher, detector_config)
    batch: list = []
    for item in mentions:
        batch.append(item)
        if len(batch) >= settings.batch_size:
            pipe.feed(batch)
            batch = []
            if progress:
                progress(pipe.result.consumed)
    if batch:
        pipe.feed(batch)
    return pipe.finish()


def read_jsonl(path: Path) -> Iterable[bytes]:
    with path.open("rb") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield line
