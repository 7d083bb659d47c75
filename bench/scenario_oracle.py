"""How much of a scenario's detection delay is the sentiment model's, and how much the detector's?

    .venv/bin/python -m bench.scenario_oracle [--seeds 7,11-13] [--scenarios united-guitars,kindle-1984]

Runs each scenario through the whole offline pipeline twice, side by side, with the same
matcher, aggregation and detector (the stream's code):

  model   the configured sentiment model (RRM_SENTIMENT_MODEL, default: the shipped one);
  oracle  the sentiment each mention was *written with* by the scenario generator
          (``Scenario.intended_sentiment``: wave texts of a backlash negative, of a praise
          wave positive, baseline chatter its template's label). Distractors, which
          the generator gives no label, keep the model's label.

Reported per scenario and seed: minutes from onset to the target's first warning and first
critical, false pages, and the share of the target's mentions after onset that the model
reads negative against the share written negative. A diagnostic, not a target: the oracle is not
available to the product. If the oracle meets a delay target the model misses, the gap is
the sentiment model's (e.g. sarcasm), not the detector's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from datetime import datetime

from detectors import DetectorConfig
from streams.commands.evaluate import parse_seeds
from streams.enrich import Enricher
from streams.evaluation.scenarios import outcome_from_closed
from streams.nlp import Sentiment, SentimentScorer
from streams.pipeline import build_enricher, run_offline
from streams.scenarios import SCENARIOS, Scenario, generate
from streams.settings import load_settings
from streams.watchlist import load_watchlist


class OracleScorer:
    """Labels a text with the sentiment the generator wrote it with; falls back to ``model``."""

    name = "oracle"
    version = "oracle"

    def __init__(self, labels: dict[str, int], model: SentimentScorer) -> None:
        self.labels = labels
        self.model = model

    def score_batch(self, texts: Sequence[str]) -> list[Sentiment]:
        out = self.model.score_batch(texts)
        return [
            Sentiment(self.labels[t], float(self.labels[t])) if t in self.labels else s
            for t, s in zip(texts, out, strict=True)
        ]


def text_labels(sc: Scenario) -> dict[str, int]:
    """Text -> intended label; a text written with two different labels is left to the model."""
    labels: dict[str, int] = {}
    clash: set[str] = set()
    for m in sc.mentions:
        lab = sc.intended_sentiment.get(m["id"])
        if lab is None:
            continue
        t = m["text"]
        if labels.setdefault(t, lab) != lab:
            clash.add(t)
    for t in clash:
        del labels[t]
    return labels


def read_negative(sc: Scenario, model: SentimentScorer) -> tuple[float, float] | None:
    """Of the target's mentions after onset (surge and baseline chatter), the share ``model``
    reads negative and the share written negative."""
    target, onset = sc.truth["entity_id"], sc.truth["onset"]
    if not target or not onset:
        return None
    t0 = datetime.fromisoformat(onset)
    ms = [
        m for m in sc.mentions
        if target in sc.mention_entities.get(m["id"], [])
        and datetime.fromisoformat(m["created_at"].replace("Z", "+00:00")) >= t0
    ]
    if not ms:
        return None
    read = sum(s.label < 0 for s in model.score_batch([m["text"] for m in ms])) / len(ms)
    written = sum(sc.intended_sentiment.get(m["id"]) == -1 for m in ms) / len(ms)
    return read, written


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="7,11-13", help="seeds: integers and inclusive ranges (default 7,11-13)")
    ap.add_argument("--scenarios", default="united-guitars,kindle-1984",
                    help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    args = ap.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    settings = load_settings()
    watchlist = load_watchlist(settings.watchlist)
    base = build_enricher(settings, watchlist)
    warmup = DetectorConfig().warmup_s
    print(f"sentiment model: {getattr(base.scorer, 'version', '?')}; seeds {args.seeds}\n")
    print("| scenario | seed | target after onset: read / written negative | model: warning / critical (min) | oracle: warning / critical (min) "
          "| false pages model / oracle |")
    print("| --- | --- | --- | --- | --- | --- |")
    summary: dict[str, dict[str, list[float | None]]] = {}
    for name in names:
        for seed in seeds:
            sc = generate(name, seed=seed)
            oracle = Enricher(base.matcher, OracleScorer(text_labels(sc), base.scorer), base.discoverer)
            res = {}
            for label, enricher in (("model", base), ("oracle", oracle)):
                r = run_offline(sc.mentions, settings, watchlist, enricher=enricher)
                res[label] = outcome_from_closed(sc.truth, r.closed, warmup_s=warmup)
            neg = read_negative(sc, base.scorer)
            m, o = res["model"], res["oracle"]
            print(f"| {name} | {seed} | {'–' if neg is None else f'{100 * neg[0]:.0f}% / {100 * neg[1]:.0f}%'} "
                  f"| {_fmt(m.warning_delay_min)} / {_fmt(m.critical_delay_min)} "
                  f"| {_fmt(o.warning_delay_min)} / {_fmt(o.critical_delay_min)} "
                  f"| {len(m.false_pages)} / {len(o.false_pages)} |", flush=True)
            s = summary.setdefault(name, {"model": [], "oracle": []})
            s["model"].append(m.critical_delay_min)
            s["oracle"].append(o.critical_delay_min)
    print("\n| scenario | critical within 30 min: model | oracle | median critical delay: model | oracle |")
    print("| --- | --- | --- | --- | --- |")
    for name, s in summary.items():
        def within(v: list[float | None]) -> str:
            return f"{sum(1 for x in v if x is not None and x <= 30)}/{len(v)}"

        def med(v: list[float | None]) -> str:
            got = [x for x in v if x is not None]
            return f"{statistics.median(got):.0f}" if got else "–"

        print(f"| {name} | {within(s['model'])} | {within(s['oracle'])} | {med(s['model'])} | {med(s['oracle'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
