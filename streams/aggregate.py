"""Stateful aggregation, pure: partials and watermarks in, closed buckets and RiskEvents out.

State lives in two changelog-backed Faust tables (``streams/app.py``) as plain
JSON dicts; the offline pipeline keeps the same dicts in memory. Nothing here
talks to Kafka or reads the clock.

Entity state::

    {"v": 1, "id": entity_id, "closed": end of last closed bucket (Unix s) | None,
     "open": {"<bucket start>": bucket}, "det": detector state dict,
     "sev": last published severity, "last": summary of the last closed bucket,
     "va": author memory {"t": bucket start, "a": {author_id: decayed negative mentions}}
           (``_negative_voices``; absent until the first negative mention)}

Open bucket::

    {"n","neg","pos","neu": counts, "reach","nreach": follower sums,
     "ids": [mention id hashes], "au": {author_id: [mentions, negative, handle]},
     "nt": [distinct negative text hashes], "ev": [evidence candidates]}

Partition meta (one per entity-topic partition)::

    {"src": {source: watermark}, "idle": [sources], "wm": effective watermark,
     "ents": [entity ids seen on this partition]}
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from detectors import Assessment, Bucket, DetectorState, Sensitivity, Severity, SurgeDetector, Transition
from streams.enrich import EVIDENCE_CANDIDATES, id_hash
from streams.schemas import AuthorCount, Evidence, EvidencePost, RiskEvent, risk_event_id

STATE_VERSION = 1
#: gaps longer than this many buckets are not replayed bucket by bucket
MAX_GAP_BUCKETS = 30 * 288


@dataclass(frozen=True, slots=True)
class AggConfig:
    bucket_seconds: int = 300
    allowed_lateness: int = 600
    evidence_posts: int = 5
    top_terms: int = 8
    top_authors: int = 5
    #: a discovered entity silent this long (event time) is retired to a tombstone
    discovered_ttl: int = 86400
    #: discovered entities in warm-up open an "emerging" incident at this many negative voices
    #: in a bucket (at least half of it); 0 = never (Sensitivity.emerging_min_negative)
    emerging_min_negative: int = 20
    #: author memory for ``Bucket.negative_voices``: an author's earlier negative mentions of the
    #: entity decay with this half-life (s); at most ``voice_memory`` authors are kept per entity
    #: (the heaviest: a bounded Misra-Gries summary, so a crowd's one-off authors fall out first)
    voice_half_life: int = 3600
    voice_memory: int = 128


@dataclass(slots=True)
class ApplyStats:
    applied: int = 0
    duplicates: int = 0
    late: int = 0
    #: the partial restarted a retired (or silent past the TTL) discovered entity
    revived: bool = False


@dataclass(frozen=True, slots=True)
class EntityInfo:
    name: str
    team: str
    sensitivity: Sensitivity | None = None
    watchlisted: bool = True


@dataclass(slots=True)
class Closed:
    """One closed bucket: the detector input, its verdict, and the event (if any)."""

    bucket: Bucket
    assessment: Assessment
    event: RiskEvent | None
    info: EntityInfo


@dataclass(slots=True)
class CloseResult:
    closed: list[Closed] = field(default_factory=list)


def new_entity_state(entity_id: str) -> dict:
    return {"v": STATE_VERSION, "id": entity_id, "closed": None, "open": {}, "det": None, "sev": "ok", "last": None}


def _new_bucket() -> dict:
    return {"n": 0, "neg": 0, "pos": 0, "neu": 0, "reach": 0, "nreach": 0, "ids": [], "au": {}, "nt": [], "ev": []}


def apply_partial(state: dict, partial: dict, cfg: AggConfig) -> ApplyStats:
    """Merge a partial into the entity state in place; de-duplicates by mention id."""
    stats = ApplyStats()
    b = int(partial["b"])
    if state.get("disc") and not state["open"] and state.get("seen") is not None and b >= state["seen"] + cfg.discovered_ttl:
        # a discovered entity silent for the TTL starts afresh, retired or not (so retiring is invisible)
        fresh = new_entity_state(state["id"])
        state.clear()
        state.update(fresh)
        stats.revived = True
    if state["closed"] is None and "src" in partial:
        state["disc"] = True
    if state["closed"] is not None and b + cfg.bucket_seconds <= state["closed"]:
        stats.late = len(partial["r"])
        return stats
    key = str(b)
    bucket = state["open"].get(key)
    if bucket is None:
        bucket = state["open"][key] = _new_bucket()
    seen = set(bucket["ids"])
    ntexts = set(bucket["nt"])
    new_ids: set[int] = set()
    for idh, author, handle, label, followers, texth in partial["r"]:
        if idh in seen:
            stats.duplicates += 1
            continue
        seen.add(idh)
        new_ids.add(idh)
        bucket["ids"].append(idh)
        bucket["n"] += 1
        bucket["reach"] += followers
        au = bucket["au"].get(author)
        if au is None:
            au = bucket["au"][author] = [0, 0, handle]
        au[0] += 1
        if label < 0:
            bucket["neg"] += 1
            bucket["nreach"] += followers
            au[1] += 1
            if texth not in ntexts:
                ntexts.add(texth)
                bucket["nt"].append(texth)
        elif label > 0:
            bucket["pos"] += 1
        else:
            bucket["neu"] += 1
        stats.applied += 1
    if new_ids and state.get("disc"):
        state["seen"] = max(b, state.get("seen") or b)
    if new_ids and partial.get("ev"):
        have = {e["id"] for e in bucket["ev"]}
        cands = [e for e in partial["ev"] if e["id"] not in have and id_hash(e["id"]) in new_ids]
        if cands:
            merged = bucket["ev"] + cands
            merged.sort(key=lambda e: (-e["f"], e["id"]))
            bucket["ev"] = merged[:EVIDENCE_CANDIDATES]
    if partial.get("n") and "name" not in state:
        state["name"] = partial["n"]
    return stats


def merge_watermark(meta: dict, tick: dict, allowed_lateness: int) -> float | None:
    """Merge a source watermark report into partition meta; return the new close
    horizon (effective watermark minus allowed lateness) or None if unknown.

    Effective watermark = min over active sources; if every source is idle, the max
    (the input went quiet: close everything that is complete). A *pending* source (assigned to
    a worker that has not read anything from it yet) holds the watermark where it is until it
    reports a watermark or is reported idle."""
    src = meta.setdefault("src", {})
    for s, wm in tick["src"].items():
        if wm > src.get(s, float("-inf")):
            src[s] = wm
    reported = set(tick["src"])
    tick_idle, tick_pending = set(tick.get("idle", [])), set(tick.get("pending", []))
    idle = (set(meta.get("idle", [])) - reported - tick_pending) | tick_idle
    meta["idle"] = sorted(idle)
    pending = (set(meta.get("pending", [])) | tick_pending) - reported - tick_idle
    if pending or "pending" in meta:
        meta["pending"] = sorted(pending)
    if pending:
        return meta["wm"] - allowed_lateness if "wm" in meta else None
    active = [wm for s, wm in src.items() if s not in idle]
    if active:
        eff = min(active)
    elif src:
        eff = max(src.values())
    else:
        return None
    if eff > meta.get("wm", float("-inf")):
        meta["wm"] = eff
    return meta["wm"] - allowed_lateness


def close_ready(
    state: dict,
    horizon: float,
    cfg: AggConfig,
    detector: SurgeDetector,
    info: EntityInfo,
    clock_step: Callable[[], float] | None = None,
) -> list[Closed]:
    """Close, in order, every bucket of the entity that ends at or before ``horizon``.

    Empty buckets between mentions are closed too (the detector needs the zeros).
    Updates ``state`` in place; returns what closed, with RiskEvents for
    transitions and severity changes."""
    w = cfg.bucket_seconds
    out: list[Closed] = []
    open_starts = sorted(int(k) for k in state["open"])
    start = state["closed"] if state["closed"] is not None else (open_starts[0] if open_starts else None)
    if start is None or start + w > horizon:
        return out
    det_state = detector.new_state() if state["det"] is None else DetectorState.from_dict(state["det"])
    changed = False
    while start + w <= horizon:
        key = str(start)
        if key not in state["open"]:
            nxt = next((s for s in open_starts if s > start), None)
            if nxt is not None and (nxt - start) // w > MAX_GAP_BUCKETS:
                start = nxt  # very long silence: don't replay months of empty buckets
                continue
            if nxt is None and (horizon - start) // w > MAX_GAP_BUCKETS:
                start = int((horizon - w) // w * w)
        raw = state["open"].pop(key, None) or _new_bucket()
        bucket = _to_bucket(state["id"], start, w, raw, _negative_voices(state, start, raw, cfg))
        det_state, assessment = detector.step(det_state, bucket, info.sensitivity)
        event = _maybe_event(state, bucket, assessment, raw, cfg, info)
        state["last"] = _summary(bucket, assessment)
        out.append(Closed(bucket, assessment, event, info))
        start += w
        changed = True
    if changed:
        state["closed"] = start
        state["det"] = det_state.to_dict()
    return out


def retire_if_idle(state: dict, cfg: AggConfig) -> bool:
    """Retire a discovered entity silent for ``cfg.discovered_ttl`` (call after closing).

    Watchlist entities are never retired. A retired entity keeps a ~100-byte tombstone
    (``closed`` and ``seen``: late mentions are still recognised as late) and is no longer
    stepped bucket by bucket; its next mention at least the TTL after the last one
    restarts it afresh, exactly as it would restart a silent entity that was not retired
    (``apply_partial``), so retiring changes no result. Returns True if it retired now."""
    if not state.get("disc") or state.get("gc") or state["open"] or state.get("seen") is None:
        return False
    if state["closed"] is None or state["closed"] < state["seen"] + cfg.discovered_ttl:
        return False
    det = state.get("det") or {}
    if det.get("incident_id") is not None:
        return False
    keep = {k: state[k] for k in ("v", "id", "name", "closed", "seen") if k in state}
    state.clear()
    state.update(keep, disc=True, gc=True, open={}, det=None, sev="ok", last=None)
    return True


def _negative_voices(state: dict, start: int, raw: dict, cfg: AggConfig) -> float:
    """This bucket's negative authors, each weighted ``max(0, 1 - m)`` by its remembered earlier
    negative mentions ``m`` of the entity (decayed, half-life ``cfg.voice_half_life``); then
    remembers them. The memory is ``state["va"] = {"t": bucket start it was decayed to, "a":
    {author: m}}``, at most ``cfg.voice_memory`` authors: past that, every count drops by the
    (memory+1)-th largest (Misra-Gries), so the memory under-counts, never over-counts, and an
    author who posts often enough stays remembered while a crowd's one-off authors fall out.
    Every step is independent of the order of authors, so replay gives the same memory."""
    negs = {a: v[1] for a, v in raw["au"].items() if v[1] > 0}
    if not negs:
        return 0.0
    va = state.get("va") or {"t": start, "a": {}}
    f = 0.5 ** ((start - va["t"]) / cfg.voice_half_life) if start > va["t"] else 1.0
    mem = {a: m * f for a, m in va["a"].items() if m * f >= 0.05}
    weights = []
    for a, n in negs.items():
        m = mem.get(a, 0.0)
        weights.append(max(0.0, 1.0 - m))
        mem[a] = m + n
    if len(mem) > cfg.voice_memory:
        cut = sorted(mem.values(), reverse=True)[cfg.voice_memory]
        mem = {a: m - cut for a, m in mem.items() if m - cut >= 0.05}
    state["va"] = {"t": max(start, va["t"]), "a": {a: round(m, 4) for a, m in mem.items()}}
    return math.fsum(weights)  # exactly rounded: the same whatever order the authors arrived in


def _to_bucket(entity_id: str, start: int, width: int, raw: dict, negative_voices: float) -> Bucket:
    au = raw["au"]
    return Bucket(
        entity_id=entity_id,
        start=datetime.fromtimestamp(start, tz=UTC),
        end=datetime.fromtimestamp(start + width, tz=UTC),
        volume=raw["n"],
        negative=raw["neg"],
        positive=raw["pos"],
        neutral=raw["neu"],
        reach=float(raw["reach"]),
        negative_reach=float(raw["nreach"]),
        unique_authors=len(au),
        unique_negative_authors=sum(1 for a in au.values() if a[1] > 0),
        top_author_count=max((a[0] for a in au.values()), default=0),
        unique_negative_texts=len(raw["nt"]),
        negative_voices=negative_voices,
    )


def _summary(bucket: Bucket, a: Assessment) -> dict:
    # the incident open after this bucket (a `resolved` bucket names the incident it closed)
    open_id = a.incident_id if a.transition is not Transition.RESOLVED else None
    return {
        "end": bucket.end.timestamp(),
        "score": a.score,
        "sev": a.severity.value,
        "incident": open_id,
        # that incident's peak severity so far (what the reputation alerts page on)
        "isev": a.incident_severity.value if open_id and a.incident_severity else "ok",
        "n": bucket.volume,
        "neg": bucket.negative,
        "pos": bucket.positive,
        "neu": bucket.neutral,
        "exp": a.expected_volume,
        "expneg": a.expected_negative,
        "reach": bucket.reach,
        "authors": bucket.unique_authors,
    }


def _maybe_event(
    state: dict, bucket: Bucket, a: Assessment, raw: dict, cfg: AggConfig, info: EntityInfo
) -> RiskEvent | None:
    previous = state.get("sev", "ok")
    state["sev"] = a.severity.value
    # Publish incident transitions, and severity changes that touch warning or above;
    # ok<->watch flapping is visible in the metrics, not worth a risk-topic event.
    if a.transition is None and (
        a.severity.value == previous or max(a.severity.rank, severity_rank(previous)) < Severity.WARNING.rank
    ):
        return None
    transition = a.transition.value if a.transition is not None else None
    return RiskEvent(
        event_id=risk_event_id(bucket.entity_id, bucket.start, transition, a.severity.value),
        entity_id=bucket.entity_id,
        entity_name=info.name,
        team=info.team,
        window_start=bucket.start,
        window_end=bucket.end,
        observed_volume=bucket.volume,
        expected_volume=max(0.0, a.expected_volume),
        negative_volume=bucket.negative,
        expected_negative=max(0.0, a.expected_negative),
        negative_share=round(bucket.negative / bucket.volume, 4) if bucket.volume else 0.0,
        reach=bucket.reach,
        unique_authors=bucket.unique_authors,
        risk_score=a.score,
        severity=a.severity.value,
        previous_severity=previous,
        incident_id=a.incident_id,
        transition=transition,
        incident_severity=a.incident_severity.value if a.incident_severity is not None else None,
        incident_since=a.incident_since,
        signals=dict(a.signals),
        reasons=list(a.reasons),
        evidence=build_evidence(raw, cfg),
    )


_STOP = set(
    """a an and are as at be been but by for from had has have he her his i i'm im in is it it's its just me my
    no not of on or our she so that the their them they this to too us was we were what when who why will with
    you your rt via amp get got can cant can't don't dont do does did than then there here about all out up""".split()
)
_TERM_RE = re.compile(r"#?[a-z][a-z0-9']{2,}")


def build_evidence(raw: dict, cfg: AggConfig) -> Evidence:
    posts = raw["ev"][: cfg.evidence_posts]
    terms: Counter[str] = Counter()
    for e in raw["ev"]:
        text = re.sub(r"https?://\S+|@\w+", " ", e["t"].lower())
        terms.update(t for t in set(_TERM_RE.findall(text)) if t not in _STOP)
    top_terms = [t for t, _ in sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.top_terms]]
    authors = sorted(
        ((a[1], a[2] or aid) for aid, a in raw["au"].items() if a[1] > 0), key=lambda x: (-x[0], x[1])
    )[: cfg.top_authors]
    return Evidence(
        top_posts=[
            EvidencePost(
                mention_id=e["id"],
                author_handle=e["h"],
                text=e["t"],
                url=e["u"],
                reach=e["f"],
                created_at=datetime.fromisoformat(e["c"]),
            )
            for e in posts
        ],
        top_terms=top_terms,
        top_authors=[AuthorCount(handle=h, mentions=n) for n, h in authors],
    )


def severity_rank(sev: str) -> int:
    return Severity(sev).rank
