"""Reading the committed Grafana dashboards: panels, their PromQL, variable substitution."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from promstack import DASHBOARD_DIR

EXPECTED_UIDS = {
    "reputation-overview.json": "repwatch-overview",
    "entity-drilldown.json": "repwatch-entity",
    "pipeline-health.json": "repwatch-pipeline",
}

#: Grafana variables replaced before a query goes to Prometheus: the dashboards'
#: "All" value for multi-value variables, a watchlist entity for $entity, and a
#: rate window for $__rate_interval that is at least 4 scrape intervals of the
#: test Prometheus (1 s) plus slack.
DEFAULT_VARS = {
    "team": ".*",
    "instance": ".*",
    "entity": "amazon-kindle",
    "__rate_interval": "15s",
    "__interval": "1s",
    "__range": "5m",
}


@dataclass(frozen=True)
class Query:
    dashboard: str  # file name
    panel: str  # panel title ("annotation: <name>" for annotations)
    ref: str
    expr: str
    instant: bool

    @property
    def key(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref}"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def dashboards() -> dict[str, dict]:
    return {p.name: load(p) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def panels(dash: dict) -> Iterator[dict]:
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])  # collapsed rows


def queries(dashes: dict[str, dict] | None = None) -> list[Query]:
    out = []
    for name, dash in (dashes or dashboards()).items():
        for p in panels(dash):
            for t in p.get("targets", []):
                out.append(Query(name, p["title"], t["refId"], t["expr"], bool(t.get("instant"))))
        for a in dash.get("annotations", {}).get("list", []):
            if a.get("expr"):
                out.append(Query(name, f"annotation: {a['name']}", "annotation", a["expr"], False))
    return out


def variable_queries(dashes: dict[str, dict] | None = None) -> list[tuple[str, str, str]]:
    """(dashboard, variable, query) for every query variable."""
    out = []
    for name, dash in (dashes or dashboards()).items():
        for v in dash["templating"]["list"]:
            if v["type"] == "query":
                q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
                out.append((name, v["name"], q))
    return out


_VAR = re.compile(r"\$\{?(\w+)\}?")


def substitute(expr: str, values: dict[str, str] | None = None) -> str:
    vals = {**DEFAULT_VARS, **(values or {})}

    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in vals:
            raise KeyError(f"no test value for Grafana variable ${name} in {expr!r}")
        return vals[name]

    return _VAR.sub(repl, expr)


_LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?(\w+)\)$")


def parse_label_values(query: str) -> tuple[str | None, str]:
    m = _LABEL_VALUES.match(query.strip())
    if not m:
        raise ValueError(f"unsupported variable query {query!r}")
    return m.group(1), m.group(2)
