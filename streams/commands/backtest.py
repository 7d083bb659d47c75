"""`repwatch backtest`: replay history through the same detector code the stream runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from streams.errors import ConfigError

DESCRIPTION = """\
Replay history offline through the same code as the live stream.

  --format nab DIR --out OUTDIR
      For each CSV (timestamp,value; the NAB layout, one row per bucket) in DIR write
      OUTDIR/<same name>.csv with columns timestamp,anomaly_score,alert,paging_score,page:
        anomaly_score  the risk score of the row scaled to [0,1]
        alert          1 when anomaly_score >= the default configuration's paging
                       threshold (fixed in advance: score >= warning, 0.60): every
                       row of an open incident that scores at or above it
        paging_score   what notifies the on-call: the same score on rows where an
                       incident opens or escalates, capped just below the threshold on
                       every other row (an incident that stays open at the same level
                       pages once, not once per row)
        page           1 when paging_score >= the threshold: exactly the pages
      The value is treated as the bucket's negative-mention count (count series carry
      no sentiment, authors or reach). `repwatch evaluate --scores OUTDIR` scores both.

  --format mentions FILE.jsonl
      Run the whole offline path (validation, enrichment, aggregation, detection) over
      a mention file (one JSON mention per line, in arrival order) and print the
      RiskEvents (JSON lines) and a summary. Settings come from RRM_* variables
      (bucket width, sentiment model, watchlist).

The format is inferred when omitted: a directory is nab, a file is mentions.

Examples:
  repwatch backtest --format nab ../shared/data/nab-realtweets/series --out out/nab
  repwatch backtest --format mentions mentions.jsonl --out out/risk.jsonl
  repwatch scenario kindle-1984 --out k.jsonl && repwatch backtest k.jsonl
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backtest",
        help="replay a NAB count series dir or a mention file through the detector",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="DIR|FILE.jsonl", help="NAB CSV directory or a JSON-lines mention file")
    p.add_argument("--format", choices=["nab", "mentions"], default=None,
                   help="input format (default: nab for a directory, mentions for a file)")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="nab: output directory (required); mentions: write RiskEvents here instead of stdout")
    p.add_argument("--quiet", action="store_true", help="mentions: print only the summary, not the events")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    src = Path(args.input)
    if not src.exists():
        raise ConfigError(f"input {args.input!r} not found")
    fmt = args.format or ("nab" if src.is_dir() else "mentions")
    if fmt == "nab":
        return _run_nab(src, args.out)
    return _run_mentions(src, args.out, args.quiet)


def _run_nab(src: Path, out: str | None) -> int:
    from detectors import DetectorConfig, Transition
    from streams.evaluation.backtest import run_nab_file, write_nab_scores

    if not src.is_dir():
        raise ConfigError(f"--format nab needs a directory of CSVs, got the file {str(src)!r}")
    if not out:
        raise ConfigError("--format nab needs --out OUTDIR for the score files")
    files = sorted(src.glob("*.csv"))
    if not files:
        raise ConfigError(f"no *.csv files in {str(src)!r}")
    cfg = DetectorConfig()
    outdir = Path(out)
    print(f"{'file':32s} {'rows':>6s} {'alert rows':>10s} {'incidents':>9s} {'pages':>6s}"
          f"  (page threshold {cfg.page_threshold:.2f})")
    for path in files:
        try:
            res = run_nab_file(path, cfg)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"{path.name}: not a NAB series (timestamp,value): {exc}") from None
        write_nab_scores(res, outdir / path.name, cfg.page_threshold)
        alerts = sum(1 for s in res.anomaly_scores if s >= cfg.page_threshold)
        opened = sum(1 for a in res.assessments if a.transition is Transition.OPENED)
        pages = sum(1 for s in res.paging_scores(cfg.page_threshold) if s >= cfg.page_threshold)
        print(f"{path.name:32s} {len(res.assessments):6d} {alerts:10d} {opened:9d} {pages:6d}")
    print(f"wrote {len(files)} score file(s) to {outdir}/")
    return 0


def _run_mentions(src: Path, out: str | None, quiet: bool) -> int:
    from streams.pipeline import read_jsonl, run_offline
    from streams.settings import load_settings

    if src.is_dir():
        raise ConfigError(f"--format mentions needs a JSON-lines file, got the directory {str(src)!r}")
    result = run_offline(read_jsonl(src), load_settings())
    if result.summary().get("consumed", 0) == 0:
        raise ConfigError(f"{str(src)!r} holds no mentions (empty file): nothing to replay")
    # events go to --out, else to stdout (with the summary on stderr); --quiet prints only the summary
    summary_fh = sys.stdout
    if out:
        try:
            with open(out, "w", encoding="utf-8") as fh:
                fh.writelines(ev.model_dump_json() + "\n" for ev in result.risk_events)
        except OSError as exc:
            raise ConfigError(f"--out: cannot write {out!r}: {exc}") from None
    elif not quiet:
        sys.stdout.writelines(ev.model_dump_json() + "\n" for ev in result.risk_events)
        summary_fh = sys.stderr
    summary = result.summary()
    incidents = [e for e in result.risk_events if e.transition == "opened"]
    summary["incidents_opened"] = [
        {"entity_id": e.entity_id, "incident_id": e.incident_id, "at": e.window_end.isoformat(),
         "severity": e.severity, "reasons": list(e.reasons)}
        for e in incidents
    ]
    print(json.dumps({"summary": summary}, indent=2, default=str), file=summary_fh)
    return 0
