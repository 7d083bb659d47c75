"""`repwatch backtest`: NAB score files and the mention-file path, through the CLI."""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detectors import DetectorConfig
from streams.cli import main

T0 = datetime(2015, 3, 1, 0, 2, 53)
STEP = timedelta(minutes=5)


def write_series(path: Path, rows: int = 2000, surge_at: int = 1500, seed: int = 1) -> None:
    """A NAB-style count series: Poisson-ish daily-cycle counts with a sustained surge."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "value"])
        for i in range(rows):
            lam = 20 * (1 + 0.5 * math.sin(2 * math.pi * i / 288))
            v = max(0, round(rng.gauss(lam, math.sqrt(lam))))
            if surge_at <= i < surge_at + 36:
                v += 400
            w.writerow([(T0 + i * STEP).strftime("%Y-%m-%d %H:%M:%S"), v])


def read_out(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_nab_backtest_writes_one_score_file_per_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_series(tmp_path / "in" / "a.csv")
    write_series(tmp_path / "in" / "b.csv", seed=2, surge_at=1800)
    rc = main(["backtest", "--format", "nab", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert rc == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv", "b.csv"]
    rows = read_out(tmp_path / "out" / "a.csv")
    assert list(rows[0]) == ["timestamp", "anomaly_score", "alert", "paging_score", "page"]
    assert len(rows) == 2000
    assert rows[0]["timestamp"] == "2015-03-01 00:02:53"
    thr = DetectorConfig().page_threshold
    for r in rows:
        s = float(r["anomaly_score"])
        assert 0.0 <= s <= 1.0
        assert r["alert"] == ("1" if s >= thr else "0")
        p = float(r["paging_score"])
        assert p <= s and r["page"] == ("1" if p >= thr else "0")
        assert r["page"] == "0" or r["alert"] == "1"  # a page is an alert row
    assert any(r["alert"] == "1" for r in rows[1500:1536])  # the surge pages
    assert not any(r["alert"] == "1" for r in rows[:1400])  # the calm part does not
    # one surge, one incident: it pages when it opens (and at most once more, escalating)
    assert 1 <= sum(r["page"] == "1" for r in rows) <= 2
    assert sum(r["page"] == "1" for r in rows) < sum(r["alert"] == "1" for r in rows)
    out = capsys.readouterr().out
    assert "a.csv" in out and "wrote 2 score file(s)" in out


def test_nab_backtest_is_deterministic(tmp_path: Path) -> None:
    write_series(tmp_path / "in" / "a.csv")
    for out in ("o1", "o2"):
        assert main(["backtest", str(tmp_path / "in"), "--out", str(tmp_path / out)]) == 0  # format inferred
    assert (tmp_path / "o1" / "a.csv").read_text() == (tmp_path / "o2" / "a.csv").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["backtest", "--format", "nab", "{d}/in"], "needs --out"),
        (["backtest", "--format", "nab", "{d}/missing", "--out", "{d}/o"], "not found"),
        (["backtest", "--format", "nab", "{d}/in/a.csv", "--out", "{d}/o"], "needs a directory"),
        (["backtest", "--format", "mentions", "{d}/in"], "needs a JSON-lines file"),
        (["backtest", "{d}/empty.jsonl"], "holds no mentions"),
    ],
)
def test_backtest_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                          message: str) -> None:
    write_series(tmp_path / "in" / "a.csv", rows=10)
    (tmp_path / "empty.jsonl").write_text("")
    rc = main([a.format(d=tmp_path) for a in argv])
    assert rc == 2
    assert message in capsys.readouterr().err


def test_bad_nab_csv_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.csv").write_text("time,count\n2015-03-01 00:00:00,3\n")
    assert main(["backtest", str(tmp_path / "in"), "--out", str(tmp_path / "o")]) == 2
    assert "x.csv: not a NAB series" in capsys.readouterr().err


def mention(i: int, when: datetime, text: str, author: int) -> dict[str, object]:
    return {
        "id": f"m{i}",
        "platform": "twitter",
        "author": {"id": f"u{author}", "handle": f"@user{author}", "followers": 100, "verified": False},
        "text": text,
        "lang": "en",
        "created_at": when.isoformat(),
        "url": None,
        "engagement": {"likes": 0, "shares": 0, "replies": 0},
    }


def test_mentions_backtest_prints_events_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    rows = [mention(i, t0 + timedelta(minutes=3 * i), "Watching Netflix tonight, the new show is great", i)
            for i in range(80)]
    rows.append({"id": "bad"})  # rejected: missing fields
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    rc = main(["backtest", "--format", "mentions", str(path), "--out", str(tmp_path / "risk.jsonl")])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["consumed"] == 81
    assert sum(summary["rejected"].values()) == 1
    assert summary["incidents_opened"] == []  # a calm stream pages nothing
    for line in (tmp_path / "risk.jsonl").read_text().splitlines():
        assert json.loads(line)["entity_id"]


def test_paging_scores_spike_only_where_an_incident_opens_or_escalates() -> None:
    from detectors import Assessment, Severity, Transition
    from streams.evaluation.backtest import paging_scores

    rows = [  # (score, severity, transition)
        (20.0, Severity.OK, None),
        (59.99, Severity.WATCH, None),  # capped by a gate: no page
        (65.0, Severity.WARNING, Transition.OPENED),  # page
        (70.0, Severity.WARNING, None),  # same incident, same level: no new page
        (85.0, Severity.CRITICAL, Transition.ESCALATED),  # page
        (90.0, Severity.CRITICAL, None),
        (75.0, Severity.CRITICAL, Transition.UPDATED),  # held by hysteresis: no page
        (10.0, Severity.OK, Transition.RESOLVED),
    ]
    t = T0.replace(tzinfo=UTC)
    asm = [Assessment("e", t, t + STEP, s, sev, 0.0, 0.0, transition=tr) for s, sev, tr in rows]
    thr = DetectorConfig().page_threshold
    got = paging_scores(asm, thr)
    assert [g >= thr for g in got] == [False, False, True, False, True, False, False, False]
    assert got[2] == 0.65 and got[4] == 0.85  # a page keeps its score (threshold-optimised NAB)
    assert got[0] == 0.2 and got[1] == 0.5999 and got[3] == got[5] == got[6] == thr - 1e-4
