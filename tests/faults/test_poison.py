"""Case 4: poison input. Bad UTF-8, invalid JSON, missing and mistyped fields, text
that is valid JSON but not valid Unicode (a lone surrogate), a 10 MB record, an
empty (null) record and a mention whose enrichment raises -- all interleaved with a
whole surge on every partition. Each goes to the DLQ with its reason, field and
origin; the partitions keep flowing (every valid mention after the poison is
processed); the counters match; the surge publishes exactly the clean run's events."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.harness import (
    SURGE,
    assert_same_events,
    encode,
    offline_events,
    offline_reference,
    produce_counted,
    read_dlq,
    read_risk,
    scenario,
    wait_settled,
)
from tests.integration.conftest import REPO, make_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INJECT = Path(__file__).parent / "inject"
MARKER = "zz-enrichment-bomb-zz"


def _mention(mid: str, **over: object) -> dict:
    m = {"id": mid, "platform": "twitter", "author": {"id": "p" + mid, "handle": "@p" + mid, "followers": 10},
         "text": "my kindle just deleted 1984, unbelievable", "created_at": "2009-07-16T10:00:00Z"}
    m.update(over)
    return m


def _b(obj: object) -> bytes:
    return json.dumps(obj).encode()


def poison(tag: str) -> list[tuple[bytes | None, str, str | None]]:
    """(record, expected reason, expected field); mention ids made unique by ``tag``."""
    no_author = _mention(f"x-noauthor-{tag}")
    del no_author["author"]
    no_time = _mention(f"x-notime-{tag}")
    del no_time["created_at"]
    big = _b(_mention(f"x-big-{tag}", text="kindle " + "A" * 10_000_000))
    return [
        (b"\xff\xfe\xfa not utf-8 at all", "invalid_utf8", None),
        (b'{"id": "x-trunc", "text": "kindle', "invalid_json", None),
        (b"[1, 2, 3]", "invalid_json", None),
        (b"", "invalid_json", None),
        (None, "invalid_json", None),
        (_b(no_author), "missing_field", "author"),
        (_b(no_time), "missing_field", "created_at"),
        (_b(_mention(f"x-followers-{tag}", author={"id": "a", "followers": "lots"})), "invalid_field", "author.followers"),
        (_b(_mention(f"x-naive-{tag}", created_at="2009-07-16T10:00:00")), "invalid_field", "created_at"),
        (_b(_mention(f"x-when-{tag}", created_at="yesterday")), "invalid_field", "created_at"),
        (_b(_mention(f"x-textnum-{tag}", text=1984)), "invalid_field", "text"),
        (_b(_mention("")), "invalid_field", "id"),
        (b'{"id": "x-surrogate-' + tag.encode() + b'", "platform": "twitter", "author": {"id": "s", "followers": 5}, '
         b'"text": "kindle \\ud800 broken", "created_at": "2009-07-16T10:00:00Z"}', "invalid_field", "text"),
        (big, "too_large", None),
        (_b(_mention(f"x-bomb-{tag}", text=f"kindle {MARKER} remote delete")), "enrichment_error", None),
    ]


@pytest.mark.timeout(480)
def test_poison_goes_to_dlq_and_partitions_keep_flowing(broker, fault_workers, measure) -> None:
    name, scale = SURGE
    mentions, truth = scenario(name, scale)
    topics = make_topics("poison")
    w = fault_workers(topics, RRM_TEST_ENRICH_FAULT=MARKER,
                      PYTHONPATH=os.pathsep.join([str(INJECT), str(REPO), os.environ.get("PYTHONPATH", "")]))
    w.start()
    recs, keys = encode(mentions)
    bad = poison("t")
    produced: Counter = Counter()
    bad_all: list[tuple[bytes | None, str, str | None]] = []
    expected: Counter = Counter()  # (partition, reason, field) of every dead letter due
    # every poison record on every partition, in three waves: before, inside and
    # after the surge's onset, each followed by valid mentions on the same partitions
    cuts = [0, len(recs) // 3, len(recs) // 2, len(recs)]
    t0 = time.monotonic()
    for i in range(3):
        produced += produce_counted(broker.bootstrap, topics.input, recs[cuts[i]:cuts[i + 1]], keys[cuts[i]:cuts[i + 1]])
        for p in range(4):
            batch = poison(f"{i}{p}")
            produced += produce_counted(broker.bootstrap, topics.input, [r for r, _, _ in batch],
                                        [f"poison-{i}".encode()] * len(batch), partition=p)
            bad_all.extend(batch)
            expected.update((p, reason, fld) for _, reason, fld in batch)
    produced += produce_counted(broker.bootstrap, topics.input, recs[cuts[3]:], keys[cuts[3]:])
    n_poison = 3 * 4 * len(bad)
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    elapsed = time.monotonic() - t0

    m = w.metrics()
    assert w.proc.poll() is None, "the worker survived"
    assert m["repwatch_mentions_consumed_total"] == len(recs) + n_poison
    assert m["repwatch_mentions_processed_total"] == len(recs), "every valid mention processed, none lost"
    assert m["repwatch_dlq_published_total"] == n_poison
    want = Counter(reason for _, reason, _ in bad)
    for reason, n in want.items():
        assert m[f"repwatch_mentions_rejected_total{{reason={reason}}}"] == 12 * n, reason

    dlq = read_dlq(broker.bootstrap, topics.dlq)
    assert len(dlq) == n_poison
    for d in dlq:
        assert d["source_topic"] == topics.input and d["source_offset"] >= 0
        matches = [(r, reason, fld) for r, reason, fld in bad_all
                   if hashlib.sha256(r or b"").hexdigest() == d["original_sha256"] and reason == d["reason"]]
        assert matches, f"unexpected dead letter {d['reason']} {d['detail']}"
        raw = matches[0][0] or b""
        assert d["detail"] and d["original_size"] == len(raw)
        kept = base64.b64decode(d["original_b64"])
        assert kept == raw[: len(kept)] and (d["truncated"] or kept == raw)
    got = Counter((d["source_partition"], d["reason"], d["field"]) for d in dlq)
    assert got == expected, "one dead letter per poison record, with its reason, field and partition"
    assert sum(1 for d in dlq if d["truncated"]) == 12, "the 10 MB record is kept truncated, not dropped"

    feed = read_risk(broker.bootstrap, topics.risk)
    assert_same_events(feed, offline_events(offline_reference(name, scale)))
    measure(valid=len(recs), poison=n_poison, produce_to_settled_s=round(elapsed, 1),
            dlq_sizes_kb=sorted({round(len(json.dumps(d)) / 1024) for d in dlq})[-3:])


@pytest.mark.timeout(300)
def test_failing_batch_exits_and_is_reprocessed_not_lost(broker, fault_workers, tmp_path: Path, measure) -> None:
    """An unexpected error while processing a batch (not a bad record): Faust would ack
    the batch and restart the agent -- losing it. The worker exits (status 70)
    without committing instead; once restarted it re-processes the batch."""
    from streams.app import EXIT_AGENT_FAILED
    from streams.pipeline import run_offline
    from streams.settings import load_settings
    from tests.faults.harness import assert_same_states, offline_events, read_table

    name, scale = SURGE
    mentions = scenario(name, scale)[0][:4000]
    flag = tmp_path / "fail-once"
    flag.write_text("1")
    topics = make_topics("batchfail")
    w = fault_workers(topics, RRM_TEST_BATCH_FAULT_ONCE=str(flag),
                      PYTHONPATH=os.pathsep.join([str(INJECT), str(REPO), os.environ.get("PYTHONPATH", "")]))
    w.start()
    recs, keys = encode(mentions)
    produced = produce_counted(broker.bootstrap, topics.input, recs, keys)
    w.proc.wait(60)
    assert w.proc.returncode == EXIT_AGENT_FAILED, w.log_tail()
    assert "exiting without committing" in w.log_path.read_text()
    assert not flag.exists()
    t0 = time.monotonic()
    w.start()
    wait_settled(broker.bootstrap, [w], topics.app_id, topics.input, produced)
    reference = run_offline(mentions, load_settings())
    assert w.metrics()["repwatch_mentions_processed_total"] == len(recs), "the failed batch was processed after all"
    assert_same_events(read_risk(broker.bootstrap, topics.risk), offline_events(reference))
    assert_same_states(read_table(broker.bootstrap, topics.app_id, "entity-state"), reference.states)
    measure(mentions=len(recs), exit_code=EXIT_AGENT_FAILED, restart_to_settled_s=round(time.monotonic() - t0, 1))
