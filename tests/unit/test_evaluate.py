"""`repwatch evaluate` and the evaluation helpers (NAB groups, scenario outcomes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detectors import Assessment, Bucket, Severity, Transition
from streams.aggregate import Closed, EntityInfo
from streams.cli import main
from streams.evaluation.nab_eval import ScoredFile, group_result
from streams.evaluation.scenarios import outcome_from_closed
from tests.unit.test_backtest import STEP, T0, write_series


def nab_dir(tmp: Path) -> Path:
    d = tmp / "nab"
    write_series(d / "series" / "Twitter_volume_X.csv", rows=2000, surge_at=1500)
    lo, hi, label = T0 + 1400 * STEP, T0 + 1600 * STEP, T0 + 1500 * STEP
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    (d / "windows.json").write_text(json.dumps({"realTweets/Twitter_volume_X.csv": [[lo.strftime(fmt),
                                                                                      hi.strftime(fmt)]]}))
    (d / "labels.json").write_text(json.dumps({"realTweets/Twitter_volume_X.csv": [str(label)]}))
    return d


def test_evaluate_on_a_synthetic_nab_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = nab_dir(tmp_path)
    out = tmp_path / "r.json"
    rc = main(["evaluate", "--nab-dir", str(d), "--skip-scenarios", "--json", str(out)])
    assert rc == 0
    groups = json.loads(out.read_text())["nab"]
    assert [g["group"] for g in groups] == ["all files"]  # no tuning/held-out files in this corpus
    g = groups[0]
    assert g["windows"] == 1 and g["windows_alerted"] == 1
    assert g["false_alerts"] == 0
    assert 0 <= g["median_delay_min"] <= 30  # the surge starts at the labelled point
    std = g["profiles"]["standard"]
    assert std["optimised"] > 80 and std["fixed"] > 80
    paging = g["paging_profiles"]["standard"]
    assert paging["fixed_fp_rows"] <= std["fixed_fp_rows"]  # one incident pages once, not once per row
    text = capsys.readouterr().out
    assert "standard" in text and "reward_low_FN_rate" in text


def test_evaluate_reads_a_backtest_output_identically(tmp_path: Path) -> None:
    d = nab_dir(tmp_path)
    assert main(["backtest", str(d / "series"), "--out", str(tmp_path / "scores")]) == 0
    assert main(["evaluate", "--nab-dir", str(d), "--skip-scenarios", "--json", str(tmp_path / "a.json")]) == 0
    assert main(["evaluate", "--nab-dir", str(d), "--skip-scenarios", "--scores", str(tmp_path / "scores"),
                 "--json", str(tmp_path / "b.json")]) == 0
    a = json.loads((tmp_path / "a.json").read_text())["nab"][0]
    b = json.loads((tmp_path / "b.json").read_text())["nab"][0]
    # scores are written with 4 decimals: the same windows, alerts and false alerts
    assert (a["windows_alerted"], a["false_alerts"]) == (b["windows_alerted"], b["false_alerts"])
    assert a["profiles"]["standard"]["fixed"] == pytest.approx(b["profiles"]["standard"]["fixed"], abs=0.5)
    # the paging score is written too, and scored the same way
    assert b["paging_profiles"]["standard"]["fixed"] == pytest.approx(a["paging_profiles"]["standard"]["fixed"],
                                                                      abs=0.5)


def test_evaluate_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--nab-dir", str(tmp_path), "--skip-scenarios"]) == 2
    assert "--nab-dir" in capsys.readouterr().err
    assert main(["evaluate", "--skip-nab", "--scenarios", "nope"]) == 2
    assert "unknown nope" in capsys.readouterr().err
    assert main(["evaluate", "--skip-nab", "--seeds", "x"]) == 2


def test_false_alert_episodes_and_delays() -> None:
    ts = [datetime(2026, 1, 1) + i * STEP for i in range(3000)]
    alerts = [False] * 3000
    for i in (1000, 1001, 1005, 1100, 2000, 2500):  # 1000-1005 one episode; 1100 is 95 min later: another
        alerts[i] = True
    f = ScoredFile("f.csv", ts, [1.0 if a else 0.0 for a in alerts], alerts, windows=[(1950, 2100)],
                   labels=[ts[2010]])
    g = group_result("g", [f], 0.5)
    assert g.windows_alerted == 1
    assert g.delays_min == [-50.0]  # alert at 2000, label at 2010: 10 buckets early
    assert g.false_alerts == 3  # 1000(+1001,1005), 1100, 2500
    assert g.entity_days == pytest.approx((ts[-1] - ts[450]).total_seconds() / 86400)


def test_delay_uses_the_label_inside_each_window() -> None:
    """A window can hold two labels (NAB's CVS has four labels in three windows): each window's
    delay is measured from the first label that lies inside it, never from the k-th label."""
    ts = [datetime(2026, 1, 1) + i * STEP for i in range(3000)]
    alerts = [False] * 3000
    alerts[1010] = alerts[2205] = True
    f = ScoredFile("f.csv", ts, [1.0 if a else 0.0 for a in alerts], alerts, windows=[(1000, 1100), (2200, 2300)],
                   labels=[ts[1020], ts[1060], ts[2250]])
    g = group_result("g", [f], 0.5)
    assert g.windows_alerted == 2
    assert g.delays_min == [-50.0, -225.0]  # not 2205 - 1060 buckets for the second window


def closed(entity: str, minute: int, sev: Severity, transition: Transition | None = None) -> Closed:
    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=minute)
    b = Bucket(entity, t0, t0 + timedelta(minutes=5))
    a = Assessment(entity, b.start, b.end, {Severity.CRITICAL: 90.0, Severity.WARNING: 65.0}.get(sev, 10.0), sev,
                   0, 0, incident_id=f"{entity}@x" if transition else None, transition=transition)
    return Closed(b, a, None, EntityInfo(entity, "team"))


def test_scenario_outcome_delays_and_false_pages() -> None:
    truth = {"scenario": "s", "seed": 7, "start": "2026-01-01T00:00:00+00:00", "end": "2026-01-02T00:00:00+00:00",
             "entity_id": "acme", "onset": "2026-01-01T12:00:00+00:00", "expected": "critical"}
    rows = [closed("acme", 0, Severity.OK), closed("acme", 10, Severity.WARNING, Transition.OPENED),
            closed("acme", 25, Severity.CRITICAL, Transition.ESCALATED),
            closed("other", -60, Severity.WARNING, Transition.OPENED)]
    o = outcome_from_closed(truth, rows)
    assert o.warning_delay_min == 15 and o.critical_delay_min == 30
    assert [p.entity_id for p in o.false_pages] == ["other"]
    assert not o.passed()  # a false page fails the run even though the target went critical in time
    o2 = outcome_from_closed(truth, rows[:3])
    assert o2.passed() and not o2.passed(max_critical_delay_min=20)
    quiet = dict(truth, expected="none", entity_id=None, onset=None)
    assert not outcome_from_closed(quiet, rows[:2]).passed()
    assert outcome_from_closed(quiet, rows[:1]).passed()


def test_seed_lists_and_ranges_parse_and_bad_ones_name_the_option() -> None:
    from streams.commands.evaluate import parse_seeds
    from streams.errors import ConfigError

    assert parse_seeds("7,11-13, 31") == [7, 11, 12, 13, 31]
    assert parse_seeds("31-33,32") == [31, 32, 33]
    for bad in ("x", "13-11", "", "1-", "-"):
        with pytest.raises(ConfigError, match="--seeds"):
            parse_seeds(bad)


def test_detector_overrides_parse_and_bad_ones_name_the_field() -> None:
    from detectors import DetectorConfig
    from streams.commands.evaluate import detector_config
    from streams.errors import ConfigError

    cfg, changes = detector_config(["fast_half_life_s=600", "min_negative=3", "persistence=true"])
    assert (cfg.fast_half_life_s, cfg.min_negative, cfg.persistence) == (600.0, 3, True)
    assert changes == {"fast_half_life_s": 600.0, "min_negative": 3, "persistence": True}
    assert cfg.slow_half_life_s == DetectorConfig().slow_half_life_s  # the rest stays as shipped
    assert detector_config([]) == (DetectorConfig(), {})
    for bad, named in (("nope=1", "unknown setting 'nope'"), ("min_negative=2.5", "min_negative takes an integer"),
                       ("persistence=maybe", "persistence takes true or false"), ("fast_half_life_s", "NAME=VALUE"),
                       ("u_scale=fast", "u_scale takes a number")):
        with pytest.raises(ConfigError, match=named):
            detector_config([bad])


def test_evaluate_with_a_detector_override_changes_the_run_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = nab_dir(tmp_path)
    runs = {}
    for name, extra in (("default", []), ("changed", ["--detector", "warning_score=99.9"])):
        out = tmp_path / f"{name}.json"
        assert main(["evaluate", "--nab-dir", str(d), "--skip-scenarios", "--json", str(out), *extra]) == 0
        runs[name] = json.loads(out.read_text())
    assert runs["changed"]["detector_overrides"] == {"warning_score": 99.9}
    assert "warning_score=99.9 (an experiment, not the default)" in capsys.readouterr().out
    # nothing pages at a warning score of 99.9: the override reached the detector
    assert runs["default"]["nab"][0]["windows_alerted"] == 1 and runs["changed"]["nab"][0]["windows_alerted"] == 0
    assert main(["evaluate", "--nab-dir", str(d), "--skip-scenarios", "--scores", str(tmp_path),
                 "--detector", "warning_score=70"]) == 2
    assert "--detector has no effect with --scores" in capsys.readouterr().err
