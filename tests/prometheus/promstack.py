"""Helpers for the Prometheus-tier tests: the real tools as subprocesses on loopback.

Prometheus, promtool, Alertmanager and amtool come from Debian's ``prometheus`` and
``prometheus-alertmanager`` packages (``scripts/install-system-deps.sh``). Everything
here starts on free loopback ports with temporary directories, and every process
is stopped by the fixture that started it.

Test copies of the configuration are made by documented, mechanical transformations
only (see :func:`fast_rules` and :func:`fast_alertmanager_config`): alert
expressions, labels, annotations, routes, matchers and inhibit rules are the real
ones.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "alerts" / "repwatch-rules.yaml"
RULE_TESTS = sorted((REPO / "alerts" / "tests").glob("*.yaml"))
AM_CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
DASHBOARD_DIR = REPO / "dashboards"
RUNBOOK_DIR = REPO / "docs" / "runbooks"

#: ``for:`` durations and Alertmanager timers are divided by this in test copies:
#: minutes become seconds (2m -> 2s, 10m -> 10s, 30s -> 500ms).
TIME_DIVISOR = 60
#: the webhook base URL of the example Alertmanager config, replaced in test copies
AM_WEBHOOK_BASE = "http://alerts-gateway.example.com"


def require_tool(name: str) -> str:
    """Path of a required system tool; fails (not skips) the test when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: run scripts/install-system-deps.sh "
            "(Debian packages prometheus and prometheus-alertmanager), "
            "or deselect this tier with -m 'not prometheus'"
        )
    return path


def run_tool(args: list[str], timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess:
    args = [require_tool(args[0]), *args[1:]]
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- durations ------------------------------------------------------------------
_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def parse_duration_ms(text: str) -> int:
    """Prometheus duration ("1h30m", "2m", "500ms") in milliseconds."""
    text = str(text).strip()
    if not text or _DURATION.sub("", text):
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNITS_MS[u] for n, u in _DURATION.findall(text))


def scale_duration(text: str, divisor: int = TIME_DIVISOR) -> str:
    """Divide a duration; zero stays zero, anything else is at least 100ms."""
    ms = parse_duration_ms(text)
    return "0s" if ms == 0 else f"{max(100, ms // divisor)}ms"


# --- mechanical test copies -------------------------------------------------------
def fast_rules(src: Path, dst: Path, divisor: int = TIME_DIVISOR) -> dict[str, tuple[str, str]]:
    """Copy a rule file with every alert's ``for:`` divided by ``divisor``; nothing else changes.

    Returns {alertname/severity: (original, scaled)}.
    """
    doc = yaml.safe_load(src.read_text())
    changed = {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                new = scale_duration(rule["for"], divisor)
                changed[f"{rule['alert']}/{rule.get('labels', {}).get('severity')}"] = (rule["for"], new)
                rule["for"] = new
    dst.write_text(yaml.safe_dump(doc, sort_keys=False))
    return changed


def strip_for(doc: dict) -> dict:
    out = copy.deepcopy(doc)
    for group in out["groups"]:
        for rule in group["rules"]:
            rule.pop("for", None)
    return out


_AM_TIMERS = ("group_wait", "group_interval", "repeat_interval")


def fast_alertmanager_config(src: Path, dst: Path, webhook_base: str, divisor: int = TIME_DIVISOR) -> dict:
    """Copy the example Alertmanager config for a test.

    Only two mechanical changes: every route timer (group_wait, group_interval,
    repeat_interval) is divided by ``divisor``, and the webhook base URL
    ``AM_WEBHOOK_BASE`` is replaced by ``webhook_base`` (the paths, which name team
    and page/ticket, are kept).
    """
    doc = yaml.safe_load(src.read_text())

    def walk(route: dict) -> None:
        for key in _AM_TIMERS:
            if key in route:
                route[key] = scale_duration(route[key], divisor)
        for child in route.get("routes", []):
            walk(child)

    walk(doc["route"])
    for recv in doc.get("receivers", []):
        for hook in recv.get("webhook_configs", []):
            assert hook["url"].startswith(AM_WEBHOOK_BASE), hook["url"]
            hook["url"] = webhook_base + hook["url"][len(AM_WEBHOOK_BASE):]
    dst.write_text(yaml.safe_dump(doc, sort_keys=False))
    return doc


# --- HTTP ----------------------------------------------------------------------------
def http_json(url: str, data: Any = None, timeout: float = 10) -> Any:
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def http_text(url: str, timeout: float = 10) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read().decode()


def wait_until(pred: Callable[[], Any], timeout: float, interval: float = 0.2, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = pred()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f" (last error: {last_exc})" if last_exc else ""))


# --- processes -------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=timeout)


def start_proc(name: str, args: list[str], log_dir: Path, env: dict[str, str] | None = None) -> Proc:
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - owned by the child for its lifetime
    popen = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=log_dir, start_new_session=True)
    log.close()
    return Proc(name, popen, log_path)


class Prometheus:
    """A real Prometheus on a loopback port: 1 s scrape and evaluation intervals."""

    def __init__(self, workdir: Path, scrape_targets: list[str], rule_files: list[Path],
                 alertmanager: str | None = None, job: str = "repwatch") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Rules are read from rule_dir: files given here are there from the start;
        # load_rules() adds more later (SIGHUP reload).
        self.rule_dir = workdir / "prometheus-rules"
        self.rule_dir.mkdir()
        for i, path in enumerate(rule_files):
            shutil.copy(path, self.rule_dir / f"{i:02d}-{path.name}")
        cfg: dict[str, Any] = {
            # the worker's /metrics can take most of a second while it is busy: timeout = interval
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(self.rule_dir / "*.yaml")],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": scrape_targets}]}],
        }
        if alertmanager:
            cfg["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
        self.config_path = workdir / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        self.proc = start_proc(
            "prometheus",
            [require_tool("prometheus"), f"--config.file={self.config_path}",
             f"--storage.tsdb.path={workdir / 'tsdb'}", f"--web.listen-address=127.0.0.1:{self.port}",
             "--storage.tsdb.retention.time=1d", "--log.level=warn"],
            workdir,
        )
        try:
            wait_until(lambda: http_text(self.url + "/-/ready", timeout=1), 30, what="Prometheus ready")
        except TimeoutError:
            self.proc.stop()
            raise RuntimeError("Prometheus did not start:\n" + self.proc.log_tail()) from None

    def load_rules(self, path: Path) -> None:
        """Add a rule file and reload Prometheus (SIGHUP); returns when its groups are loaded."""
        doc = yaml.safe_load(path.read_text())
        want = {g["name"] for g in doc["groups"]}
        shutil.copy(path, self.rule_dir / f"{len(list(self.rule_dir.iterdir())):02d}-{path.name}")
        self.proc.popen.send_signal(signal.SIGHUP)
        wait_until(lambda: want <= {g["name"] for g in self.api("rules")["groups"]}, 30, what="rules loaded")

    def api(self, path: str, **params: Any) -> Any:
        q = urllib.parse.urlencode(params, doseq=True)
        try:
            doc = http_json(f"{self.url}/api/v1/{path}?{q}")
        except urllib.error.HTTPError as exc:
            doc = json.loads(exc.read() or b"{}")
            raise PromQLError(doc.get("error", str(exc)), params) from None
        if doc.get("status") != "success":
            raise PromQLError(doc.get("error", "unknown error"), params)
        return doc["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.api("query", **params)["result"]

    def query_range(self, expr: str, start: float, end: float, step: float = 1.0) -> list[dict]:
        return self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=step)["result"]

    def label_values(self, label: str, match: str) -> list[str]:
        return self.api(f"label/{label}/values", **{"match[]": match})

    def targets_up(self) -> bool:
        active = self.api("targets")["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)

    def firing(self) -> list[dict]:
        return [a for a in self.api("alerts")["alerts"] if a["state"] == "firing"]

    def stop(self) -> None:
        self.proc.stop()


class PromQLError(Exception):
    def __init__(self, message: str, params: dict) -> None:
        super().__init__(f"{message} (query {params})")


class Alertmanager:
    """A real Alertmanager on a loopback port, clustering disabled."""

    def __init__(self, workdir: Path, config: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"
        self.proc = start_proc(
            "alertmanager",
            [require_tool("prometheus-alertmanager"), f"--config.file={config}",
             f"--storage.path={workdir / 'am-data'}", f"--web.listen-address={self.address}",
             "--cluster.listen-address=", "--log.level=warn"],
            workdir,
        )
        try:
            wait_until(lambda: http_text(self.url + "/-/ready", timeout=1), 30, what="Alertmanager ready")
        except TimeoutError:
            self.proc.stop()
            raise RuntimeError("Alertmanager did not start:\n" + self.proc.log_tail()) from None

    def post_alerts(self, alerts: list[dict]) -> None:
        http_json(self.url + "/api/v2/alerts", alerts)

    def alerts(self, **filters: Any) -> list[dict]:
        q = urllib.parse.urlencode(filters, doseq=True)
        return http_json(f"{self.url}/api/v2/alerts?{q}")

    def stop(self) -> None:
        self.proc.stop()


@dataclass
class Notification:
    received: float  # time.time() when the webhook got it
    path: str  # /<team>/<page|ticket> as set in the Alertmanager config
    payload: dict

    @property
    def alerts(self) -> list[dict]:
        return self.payload.get("alerts", [])


@dataclass
class WebhookReceiver:
    """Local Alertmanager webhook endpoint (http.server in a thread) recording every POST."""

    notifications: list[Notification] = field(default_factory=list)

    def __post_init__(self) -> None:
        received = self.notifications
        lock = self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                now = time.time()
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"invalid": body.decode(errors="replace")}
                with lock:
                    received.append(Notification(now, self.path, payload))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)
        self._thread.start()

    def snapshot(self) -> list[Notification]:
        with self._lock:
            return list(self.notifications)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
