"""One pydantic model per topic, each with a ``schema_version``. One decoding path.

- ``Mention``: input on ``RRM_INPUT_TOPIC`` (JSON). Unknown fields are ignored;
  missing required fields or wrong types are rejected with a reason naming the field.
- ``RiskEvent``: output on ``RRM_RISK_TOPIC``, keyed by entity id. The committed
  JSON Schema ``schemas/risk_event.schema.json`` is generated from it
  (``python -m streams.schemas``) and a test fails if it drifts.
- ``DeadLetter``: records on ``RRM_DLQ_TOPIC``: the original bytes (base64), the
  reason, and where they came from.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

RISK_EVENT_SCHEMA_VERSION = 1
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


class Author(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    id: str = Field(min_length=1)
    handle: str = ""
    followers: int = Field(0, ge=0)
    verified: bool = False


class Engagement(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    likes: int = Field(0, ge=0)
    shares: int = Field(0, ge=0)
    replies: int = Field(0, ge=0)


class Mention(BaseModel):
    """A social post mentioning something. ``created_at`` is the event time."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    schema_version: int = 1
    id: str = Field(min_length=1, max_length=256)
    platform: str = Field(min_length=1)
    author: Author
    text: str
    lang: str | None = None
    created_at: AwareDatetime
    url: str | None = None
    engagement: Engagement = Field(default_factory=Engagement)
    reply_to_id: str | None = None
    quote_of_id: str | None = None
    repost_of_id: str | None = None


class Rejection(BaseModel):
    """Why an input record could not be used."""

    reason: Literal[
        "invalid_utf8", "invalid_json", "missing_field", "invalid_field", "too_large", "enrichment_error"
    ]
    field: str | None = None
    detail: str


MAX_MENTION_BYTES = 1_000_000
#: how much of a rejected record a dead letter keeps (base64 grows it by 4/3): a letter
#: must stay under Kafka's default 1 MB message/request size, or publishing it fails
#: and takes the enrich agent down with it (found by the fault suite, docs/faults.md)
DLQ_KEEP_BYTES = 512_000


def decode_mention(raw: bytes | None, max_bytes: int = MAX_MENTION_BYTES) -> Mention | Rejection:
    """Decode and validate one input record; never raises on bad input."""
    if raw is None:
        return Rejection(reason="invalid_json", detail="empty record (null value)")
    if len(raw) > max_bytes:
        return Rejection(reason="too_large", detail=f"record is {len(raw)} bytes; limit is {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(reason="invalid_utf8", detail=f"not UTF-8 at byte {exc.start}: {exc.reason}")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return Rejection(reason="invalid_json", detail=f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    if not isinstance(obj, dict):
        return Rejection(reason="invalid_json", detail=f"expected a JSON object, got {type(obj).__name__}")
    try:
        mention = _validate(obj)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        reason = "missing_field" if err["type"] == "missing" else "invalid_field"
        more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        return Rejection(reason=reason, field=field, detail=f"{field}: {err['msg']}{more}")
    if _SURROGATE_ESCAPE.search(raw):
        bad = _unencodable(mention.model_dump(mode="python"))
        if bad:
            return Rejection(
                reason="invalid_field", field=bad, detail=f"{bad}: contains an unpaired UTF-16 surrogate (not valid Unicode)"
            )
    return mention


#: a JSON escape of a UTF-16 surrogate (\\ud800-\\udfff): legal JSON, but alone (unpaired)
#: it decodes to a str that cannot be encoded as UTF-8 -- Kafka producers and
#: pydantic's JSON output then raise, far from the input (the aggregator, at the
#: bucket close that quotes the post as evidence). Cheap pre-check on the raw bytes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _unencodable(obj: object, path: str = "") -> str | None:
    """Dotted path of the first string in ``obj`` that is not valid Unicode text, else None."""
    if isinstance(obj, str):
        try:
            obj.encode("utf-8")
        except UnicodeEncodeError:
            return path or "?"
        return None
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list):
        items = enumerate(obj)  # type: ignore[assignment]
    else:
        return None
    for k, v in items:
        found = _unencodable(v, f"{path}.{k}" if path else str(k))
        if found:
            return found
    return None


def _validate(obj: dict) -> Mention:
    # created_at arrives as an ISO-8601 string in JSON; strict mode accepts it only
    # through the JSON path, so re-validate that one field leniently.
    created = obj.get("created_at")
    if isinstance(created, str):
        obj = {**obj, "created_at": _parse_time(created)}
    return Mention.model_validate(obj)


def _parse_time(value: str) -> datetime | str:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # let pydantic report it against the field


# --------------------------------------------------------------------------- output
class EvidencePost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mention_id: str
    author_handle: str
    text: str
    url: str | None = None
    reach: int = Field(ge=0, description="Author followers at posting time.")
    created_at: datetime


class AuthorCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str
    mentions: int = Field(ge=0)


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top_posts: list[EvidencePost] = Field(default_factory=list, description="Top negative posts by reach.")
    top_terms: list[str] = Field(default_factory=list, description="Frequent terms in the top negative posts.")
    top_authors: list[AuthorCount] = Field(default_factory=list, description="Authors with most negative posts.")


class RiskEvent(BaseModel):
    """A risk update for one entity and one closed event-time window."""

    model_config = ConfigDict(extra="forbid", title="RiskEvent")

    schema_version: Literal[1] = RISK_EVENT_SCHEMA_VERSION
    event_id: str = Field(description="Deterministic id: de-duplicate on it.")
    entity_id: str
    entity_name: str
    team: str = Field(description="Owning team from the watchlist ('' for discovered entities).")
    window_start: datetime = Field(description="Event-time start of the bucket (inclusive), UTC.")
    window_end: datetime = Field(description="Event-time end of the bucket (exclusive), UTC.")
    observed_volume: int = Field(ge=0)
    expected_volume: float = Field(ge=0)
    negative_volume: int = Field(ge=0)
    expected_negative: float = Field(ge=0)
    negative_share: float = Field(ge=0, le=1)
    reach: float = Field(ge=0, description="Sum of author followers over the bucket's mentions.")
    unique_authors: int = Field(ge=0)
    risk_score: float = Field(ge=0, le=100)
    severity: Literal["ok", "watch", "warning", "critical"]
    previous_severity: Literal["ok", "watch", "warning", "critical"]
    incident_id: str | None = None
    transition: Literal["opened", "escalated", "updated", "resolved"] | None = None
    incident_severity: Literal["warning", "critical"] | None = Field(
        default=None,
        description="Peak severity of the incident so far (on 'resolved': of the incident that closed); "
        "null when no incident is open.",
    )
    incident_since: datetime | None = Field(
        default=None,
        description="Event-time start (UTC) of the bucket that opened the incident; null when no incident is open.",
    )
    signals: dict[str, float] = Field(default_factory=dict)
    reasons: list[str] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)


def risk_event_id(entity_id: str, window_start: datetime, transition: str | None, severity: str) -> str:
    """Deterministic event id: the same risk transition always gets the same id."""
    key = f"{entity_id}|{window_start.isoformat()}|{transition or 'none'}|{severity}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class DeadLetter(BaseModel):
    """A rejected input record, with enough context to replay or fix it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    reason: str
    field: str | None = None
    detail: str
    source_topic: str
    source_partition: int
    source_offset: int
    original_size: int
    original_sha256: str
    original_b64: str = Field(description="Original record bytes, base64 (truncated if 'truncated').")
    truncated: bool = False

    @classmethod
    def build(
        cls, raw: bytes | None, rejection: Rejection, topic: str, partition: int, offset: int, keep: int = DLQ_KEEP_BYTES
    ) -> DeadLetter:
        data = raw or b""
        return cls(
            reason=rejection.reason,
            field=rejection.field,
            detail=rejection.detail,
            source_topic=topic,
            source_partition=partition,
            source_offset=offset,
            original_size=len(data),
            original_sha256=hashlib.sha256(data).hexdigest(),
            original_b64=base64.b64encode(data[:keep]).decode(),
            truncated=len(data) > keep,
        )


def risk_event_json_schema() -> dict:
    schema = RiskEvent.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://repwatch.dev/schemas/risk_event.v{RISK_EVENT_SCHEMA_VERSION}.json"
    return schema


def write_schemas(out_dir: Path = SCHEMA_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "risk_event.schema.json"
    path.write_text(json.dumps(risk_event_json_schema(), indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":  # python -m streams.schemas  (regenerate committed schema)
    print(write_schemas())
