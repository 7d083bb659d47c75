"""`repwatch evaluate`: detection quality on NAB realTweets and on the labelled scenarios."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields, replace
from pathlib import Path
from statistics import median_high

import streams
from detectors import DetectorConfig
from streams.errors import ConfigError

REPO_ROOT = Path(streams.__file__).resolve().parents[1]
DEFAULT_NAB_DIR = REPO_ROOT / ".." / "shared" / "data" / "nab-realtweets"
DEFAULT_SEEDS = "7,11,12,13"

DESCRIPTION = f"""\
Score the detector against labels.

NAB realTweets (--nab-dir, default ../shared/data/nab-realtweets from the repo root):
the NAB score for the standard, reward_low_FP_rate and reward_low_FN_rate profiles,
both threshold-optimised (NAB's protocol) and at the detector's fixed paging threshold
(what a pager would see); at the fixed threshold also the detection delay (first alert
in a labelled window minus the labelled anomaly point; negative = earlier) and false
alerts per entity-day (alert episodes starting outside every window). Reported for the
split the detector was tuned on (AAPL, AMZN, CRM), the held-out split (CVS, FB) and all.

Every NAB score is printed twice, side by side, from two per-row anomaly scores:
  row     the risk score of every row (/100): each row of an open incident at or above
          the threshold is a detection, so one 3-hour incident is ~36 detections;
  paging  what notifies the on-call: a row where an incident opens or escalates keeps
          its score; every other row is capped just below the paging threshold. At the
          fixed threshold the detections are exactly the pages (an incident that stays
          open at the same level pages once). Same definition for every file; see
          docs/detection.md ("Count series (NAB) and the backtest").
With --scores DIR the scores are read from a `repwatch backtest --format nab` output
instead of running the detector.

Scenarios (--seeds, e.g. 7,11-13 or 31-40; default {DEFAULT_SEEDS}): each built-in scenario through the whole offline
pipeline; delay from onset to the target's first warning and critical, incidents opened
where none is expected, false alerts per entity-day, and pass/fail against the targets
(critical within 30 min for kindle-1984 and united-guitars; no page in the others).
The sentiment model is RRM_SENTIMENT_MODEL (default: the shipped model). Seeds 7, 11-13
and 21-28 were looked at while tuning the detector; 31-40 were held out and evaluated
once (docs/benchmarks/detection.md). A per-scenario summary ends the table.

--detector NAME=VALUE (repeatable) runs both with a DetectorConfig field changed from its
shipped default, for experiments; the output says so. Tune on the tuning split and
seeds, not on the held-out ones.

Examples:
  repwatch evaluate
  repwatch evaluate --seeds 7,11-13,21-28 --detector fast_half_life_s=600 --detector slow_half_life_s=1200
  repwatch evaluate --skip-scenarios --json out/nab.json
  repwatch backtest --format nab DIR/series --out out/nab && repwatch evaluate --scores out/nab
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="NAB score, detection delay and false alerts on NAB realTweets and the scenarios",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--nab-dir", default=str(DEFAULT_NAB_DIR), metavar="DIR",
                   help="NAB realTweets data (series/, windows.json, labels.json, profiles.json)")
    p.add_argument("--scores", default=None, metavar="DIR",
                   help="score a `repwatch backtest --format nab` output dir instead of running the detector")
    p.add_argument("--seeds", default=DEFAULT_SEEDS, metavar="N,N-M",
                   help=f"scenario seeds: integers and inclusive ranges (default {DEFAULT_SEEDS})")
    p.add_argument("--scenarios", default=None, metavar="NAME,NAME", help="only these scenarios")
    p.add_argument("--skip-nab", action="store_true", help="don't evaluate on NAB")
    p.add_argument("--skip-scenarios", action="store_true", help="don't run the scenarios")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--detector", action="append", default=[], metavar="NAME=VALUE",
                   help="change one detector setting (a DetectorConfig field, e.g. fast_half_life_s=600); "
                        "repeatable; for experiments")
    p.set_defaults(func=run)


def detector_config(overrides: list[str]) -> tuple[DetectorConfig, dict[str, float | int | bool]]:
    """``["fast_half_life_s=600"]`` -> (the default DetectorConfig with that field changed, the changes).

    Unknown fields and values of the wrong type are a ConfigError naming them."""
    base = DetectorConfig()
    known = {f.name for f in fields(DetectorConfig)}
    changes: dict[str, float | int | bool] = {}
    for item in overrides:
        name, sep, raw = (x.strip() for x in item.partition("="))
        if not sep or not name:
            raise ConfigError(f"--detector {item!r}: expected NAME=VALUE, e.g. fast_half_life_s=600")
        if name not in known:
            raise ConfigError(f"--detector {item!r}: unknown setting {name!r}; DetectorConfig has: "
                              f"{', '.join(sorted(known))}")
        default = getattr(base, name)
        try:
            if isinstance(default, bool):
                if raw.lower() not in ("true", "false", "1", "0", "on", "off"):
                    raise ValueError(raw)
                value: float | int | bool = raw.lower() in ("true", "1", "on")
            elif isinstance(default, int):
                value = int(raw)
            else:
                value = float(raw)
        except ValueError:
            kind = {"bool": "true or false", "int": "an integer", "float": "a number"}[type(default).__name__]
            raise ConfigError(f"--detector {item!r}: {name} takes {kind} (default {default!r}), "
                              f"got {raw!r}") from None
        changes[name] = value
    return replace(base, **changes), changes  # type: ignore[arg-type]


def _fmt(v: float | None, spec: str = ".1f") -> str:
    return "-" if v is None else format(v, spec)


def run(args: argparse.Namespace) -> int:
    cfg, changes = detector_config(args.detector)
    if changes and args.scores:
        raise ConfigError("--detector has no effect with --scores (the scores were computed already)")
    out: dict[str, object] = {"detector_overrides": changes}
    if changes:
        print("detector: the shipped configuration with "
              + ", ".join(f"{k}={v}" for k, v in changes.items()) + " (an experiment, not the default)\n")
    if not args.skip_nab:
        out["nab"] = _nab(Path(args.nab_dir), Path(args.scores) if args.scores else None, cfg, bool(changes))
    if not args.skip_scenarios:
        out["scenarios"] = _scenarios(args.seeds, args.scenarios, cfg)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=2, default=str) + "\n")
        print(f"\nwrote {path}")
    return 0


def _nab(nab_dir: Path, scores: Path | None, cfg: DetectorConfig, changed: bool = False) -> list[dict[str, object]]:
    from streams.evaluation.nab_eval import evaluate_nab

    groups = evaluate_nab(nab_dir.resolve(), cfg, scores)
    source = (f"scores from {scores}" if scores
              else f"detector run ({'changed' if changed else 'default'} configuration)")
    print(f"NAB realTweets ({nab_dir}), {source}; fixed threshold {cfg.page_threshold:.2f}")
    print(f"{'group':16s} {'profile':20s} {'score':6s} {'optimised':>9s} {'thr':>6s} {'hit':>6s} {'fp':>4s} | "
          f"{'fixed':>6s} {'hit':>6s} {'fp':>4s}")
    for g in groups:
        for kind, profiles in (("row", g.profiles), ("paging", g.paging_profiles)):
            for p in profiles:
                hit = f"{p.best.windows_hit}/{p.best.windows}"
                fixed_hit = f"{p.fixed.windows_hit}/{p.fixed.windows}" if p.fixed else "-"
                print(f"{g.group:16s} {p.profile:20s} {kind:6s} {p.best_normalised:9.1f} {p.best.threshold:6.3f} "
                      f"{hit:>6s} {p.best.fp:4d} | {_fmt(p.fixed_normalised):>6s} {fixed_hit:>6s} "
                      f"{p.fixed.fp if p.fixed else 0:4d}")
    print("(row: every row's risk score; paging: only rows that open or escalate an incident reach the "
          "threshold; fp = detection rows outside windows)")
    print(f"\n{'group':16s} {'windows alerted':>15s} {'median delay (min)':>19s} {'false alerts':>12s} "
          f"{'per entity-day':>14s}")
    for g in groups:
        print(f"{g.group:16s} {g.windows_alerted:>7d}/{g.windows:<7d} {_fmt(g.median_delay_min):>19s} "
              f"{g.false_alerts:12d} {g.false_alerts_per_entity_day:14.3f}")
    return [g.to_dict() for g in groups]


def parse_seeds(arg: str) -> list[int]:
    """``"7,11-13,31"`` -> ``[7, 11, 12, 13, 31]`` (comma-separated integers and inclusive ranges)."""
    seeds: list[int] = []
    try:
        for part in (p.strip() for p in arg.split(",")):
            if not part:
                continue
            lo, sep, hi = part.partition("-")
            if sep and lo.strip():
                a, b = int(lo), int(hi)
                if b < a:
                    raise ValueError(part)
                seeds.extend(range(a, b + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ConfigError(
            f"--seeds: expected comma-separated integers or ranges like 31-40, got {arg!r}"
        ) from None
    if not seeds:
        raise ConfigError(f"--seeds: no seed given in {arg!r}")
    return list(dict.fromkeys(seeds))


def _scenarios(seeds_arg: str, names_arg: str | None, cfg: DetectorConfig | None = None) -> list[dict[str, object]]:
    from streams.evaluation.scenarios import run_scenario
    from streams.scenarios import SCENARIOS
    from streams.settings import load_settings

    seeds = parse_seeds(seeds_arg)
    names = [n.strip() for n in names_arg.split(",")] if names_arg else list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise ConfigError(f"--scenarios: unknown {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    settings = load_settings()
    print(f"\nScenarios (sentiment model: {settings.sentiment_model}); delays in minutes of event time "
          "after onset (bucket end)")
    print(f"{'scenario':16s} {'seed':>4s} {'expect':>8s} {'warning':>7s} {'critical':>8s} {'false':>5s} "
          f"{'per ent-day':>11s} {'result':>6s}")
    rows: list[dict[str, object]] = []
    for seed in seeds:
        for name in names:
            o = run_scenario(name, seed, settings, cfg)
            ok = o.passed()
            print(f"{name:16s} {seed:4d} {o.expected:>8s} {_fmt(o.warning_delay_min, '.0f'):>7s} "
                  f"{_fmt(o.critical_delay_min, '.0f'):>8s} {len(o.false_pages):5d} "
                  f"{o.false_alerts_per_entity_day:11.3f} {'pass' if ok else 'FAIL':>6s}")
            for page in o.false_pages:
                print(f"    false page: {page.entity_id} at {page.at.isoformat()} score {page.score:.0f}: "
                      f"{'; '.join(page.reasons)}", file=sys.stdout)
            rows.append({
                "scenario": name, "seed": seed, "expected": o.expected, "target": o.target,
                "warning_delay_min": o.warning_delay_min, "critical_delay_min": o.critical_delay_min,
                "false_pages": [{"entity_id": p.entity_id, "at": p.at.isoformat(), "score": p.score,
                                 "reasons": list(p.reasons)} for p in o.false_pages],
                "false_alerts_per_entity_day": round(o.false_alerts_per_entity_day, 4),
                "entity_days": round(o.entity_days, 2), "passed": ok,
            })
    passed = sum(1 for r in rows if r["passed"])
    print(f"\nSummary over seeds {seeds_arg}:")
    for name in names:
        mine = [r for r in rows if r["scenario"] == name]
        ok = sum(1 for r in mine if r["passed"])
        if mine and mine[0]["expected"] == "critical":
            delays = sorted(float(d) for r in mine if isinstance(d := r["critical_delay_min"], int | float))
            never = len(mine) - len(delays)
            spread = (f"critical after {delays[0]:.0f}-{delays[-1]:.0f} min, median {median_high(delays):.0f}"
                      if delays else "never critical")
            print(f"  {name:16s} {ok}/{len(mine)} within 30 min; {spread}"
                  + (f"; never critical on {never}" if never and delays else ""))
        else:
            paged = sum(1 for r in mine if r["false_pages"])
            print(f"  {name:16s} {ok}/{len(mine)} page nothing" + (f" (pages on {paged})" if paged else ""))
    print(f"{passed}/{len(rows)} scenario runs meet their target")
    return rows
