"""Input decoding, dead letters and the committed RiskEvent JSON Schema."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from streams.schemas import SCHEMA_DIR, DeadLetter, Mention, Rejection, decode_mention, risk_event_json_schema

GOOD = {
    "id": "m1",
    "platform": "twitter",
    "author": {"id": "a1", "handle": "@ann", "followers": 120, "verified": False},
    "text": "my kindle deleted 1984",
    "created_at": "2009-07-17T14:03:00Z",
    "unknown_field": {"ignored": True},
}


def enc(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_valid_mention_decodes_and_ignores_unknown_fields() -> None:
    m = decode_mention(enc(GOOD))
    assert isinstance(m, Mention)
    assert m.created_at == datetime(2009, 7, 17, 14, 3, tzinfo=UTC)
    assert m.author.followers == 120


@pytest.mark.parametrize(
    ("raw", "reason", "field"),
    [
        (b"\xff\xfe\xfa", "invalid_utf8", None),
        (b"{not json", "invalid_json", None),
        (b"[1, 2]", "invalid_json", None),
        (None, "invalid_json", None),
        (enc({k: v for k, v in GOOD.items() if k != "text"}), "missing_field", "text"),
        (enc({**GOOD, "author": {"id": "a1", "followers": "many"}}), "invalid_field", "author.followers"),
        (enc({**GOOD, "author": {"id": "a1", "followers": -3}}), "invalid_field", "author.followers"),
        (enc({**GOOD, "created_at": "2009-07-17T14:03:00"}), "invalid_field", "created_at"),
        (enc({**GOOD, "created_at": "last tuesday"}), "invalid_field", "created_at"),
        (enc({**GOOD, "id": 17}), "invalid_field", "id"),
        (enc({**GOOD, "text": "x" * 2_000_000}), "too_large", None),
    ],
)
def test_bad_input_is_rejected_with_reason_naming_the_field(raw, reason, field) -> None:
    r = decode_mention(raw)
    assert isinstance(r, Rejection)
    assert r.reason == reason
    assert r.field == field
    if field:
        assert field in r.detail


def test_dead_letter_keeps_original_bytes_and_source() -> None:
    raw = b"\xff broken"
    rej = decode_mention(raw)
    assert isinstance(rej, Rejection)
    dl = DeadLetter.build(raw, rej, "mentions", 3, 42)
    assert base64.b64decode(dl.original_b64) == raw
    assert (dl.source_topic, dl.source_partition, dl.source_offset) == ("mentions", 3, 42)
    assert dl.reason == "invalid_utf8" and not dl.truncated


def test_dead_letter_truncates_huge_payloads_but_records_size_and_hash() -> None:
    raw = b"x" * 5000
    dl = DeadLetter.build(raw, Rejection(reason="too_large", detail="big"), "mentions", 0, 1, keep=100)
    assert dl.truncated and dl.original_size == 5000 and len(base64.b64decode(dl.original_b64)) == 100


def test_committed_risk_event_schema_matches_the_model() -> None:
    committed = json.loads((SCHEMA_DIR / "risk_event.schema.json").read_text())
    assert committed == json.loads(json.dumps(risk_event_json_schema())), (
        "schemas/risk_event.schema.json drifted from streams.schemas.RiskEvent: "
        "run `python -m streams.schemas` and bump schema_version if the change is incompatible"
    )
