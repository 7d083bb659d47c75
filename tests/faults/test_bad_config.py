"""Case 9: bad configuration. ``repwatch worker`` must fail fast, exit non-zero,
name the cause (the variable, the file and entry, the broker address, the SASL
settings) and never print a secret -- the password string must not appear
anywhere in its output, whatever else is wrong.

About credentials on the embedded broker: Tansu 0.6.0 has ``--authentication``
and ``tansu user create``, but with memory storage a user can only be created
on a broker that does *not* require authentication, and its SASL handshake
rejects every client (``UnsupportedSaslMechanismError`` even for SCRAM-SHA-512,
even with the right password; see docs/faults.md). So the credentials case uses
what the embedded broker does offer: a broker that refuses the client's SASL
authentication -- the same path as a wrong password on Apache Kafka."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.broker import free_port
from tests.integration.conftest import REPO

pytestmark = [pytest.mark.integration]

SECRET = "hunter2-Tr0ub4dor&3"


def run_worker(env: dict[str, str], timeout: float = 60) -> tuple[int, str, float]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RRM_")}
    full = {**base, "RRM_KAFKA_SASL_PASSWORD": SECRET, "RRM_WEB_PORT": str(free_port()), **env}
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "streams.cli", "worker"], env=full, cwd=REPO,
                       capture_output=True, text=True, timeout=timeout)
    out = r.stdout + r.stderr
    assert SECRET not in out, "the password leaked into the output"
    assert SECRET.split("-")[1] not in out
    return r.returncode, out, time.monotonic() - t0


BAD_WATCHLISTS = {
    "yaml syntax": ("version: 1\nentities:\n  - id: acme\n    name: [unclosed\n", ["watchlist"]),
    "not a mapping": ("- just\n- a list\n", ["watchlist"]),
    "missing id": ("version: 1\nentities:\n  - name: Acme\n    team: comms\n", ["watchlist", "id"]),
    "duplicate id": ("version: 1\nentities:\n  - {id: acme, name: Acme, team: t}\n  - {id: acme, name: Acme 2, team: t}\n",
                     ["watchlist", "acme"]),
    "wrong type": ("version: 1\nentities:\n  - {id: acme, name: Acme, team: t, aliases: 42}\n", ["watchlist", "aliases"]),
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize("case", sorted(BAD_WATCHLISTS))
def test_malformed_watchlist_fails_fast_naming_file_and_entry(case: str, tmp_path: Path, measure) -> None:
    text, must = BAD_WATCHLISTS[case]
    wl = tmp_path / "watchlist.yaml"
    wl.write_text(text)
    # the broker address is unreachable on purpose: the watchlist must be checked first
    rc, out, dt = run_worker({"RRM_WATCHLIST": str(wl), "RRM_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"})
    assert rc == 2, out
    assert "repwatch worker: error:" in out, out
    assert str(wl) in out
    for word in must:
        assert word.lower() in out.lower(), (word, out)
    assert "Traceback" not in out
    measure(case=case, seconds=round(dt, 2), message=out[out.index("repwatch worker: error:"):][:200])


BAD_SETTINGS = [
    ({"RRM_BROKER_PROFILE": "tansu"}, "RRM_BROKER_PROFILE"),
    ({"RRM_KAFKA_SECURITY_PROTOCOL": "SASL_FOO"}, "RRM_KAFKA_SECURITY_PROTOCOL"),
    ({"RRM_BUCKET_SECONDS": "five minutes"}, "RRM_BUCKET_SECONDS"),
    ({"RRM_BUCKET_SECONDS": "1"}, "RRM_BUCKET_SECONDS"),
    ({"RRM_SENTIMENT_MODEL": "gpt-9"}, "RRM_SENTIMENT_MODEL"),
    ({"RRM_KAFKA_BOOTSTRAP": "localhost"}, "RRM_KAFKA_BOOTSTRAP"),
    ({"RRM_WATCHLIST": "/nonexistent/watchlist.yaml"}, "RRM_WATCHLIST"),
    ({"RRM_WEB_PORT": "70000"}, "RRM_WEB_PORT"),
    # a bad value next to a secret: the report names the variable, never the secret
    ({"RRM_KAFKA_SASL_MECHANISM": SECRET}, "RRM_KAFKA_SASL_MECHANISM"),
    ({"RRM_BUCKET_SECONDS": SECRET}, "RRM_BUCKET_SECONDS"),
]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("env,var", BAD_SETTINGS, ids=[f"{v}=" + ("<secret>" if SECRET in e.values() else list(e.values())[0]) for e, v in BAD_SETTINGS])
def test_unknown_setting_values_name_the_variable(env: dict, var: str, measure) -> None:
    rc, out, dt = run_worker({"RRM_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}", **env})
    assert rc == 2, out
    assert "invalid settings" in out or var == "RRM_WATCHLIST", out
    assert var in out, out
    assert "Traceback" not in out
    measure(var=var, seconds=round(dt, 2))


@pytest.mark.timeout(180)
def test_unreachable_broker_fails_fast_naming_the_address(measure) -> None:
    addr = f"127.0.0.1:{free_port()}"  # nothing listens here
    rc, out, dt = run_worker({"RRM_KAFKA_BOOTSTRAP": addr, "RRM_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                              "RRM_KAFKA_SASL_USERNAME": "alice"})
    assert rc == 2, out
    assert f"RRM_KAFKA_BOOTSTRAP={addr}" in out and "cannot reach Kafka" in out, out
    assert "Traceback" not in out
    measure(seconds=round(dt, 1), message=out.strip().splitlines()[-1][:200])


@pytest.mark.timeout(180)
def test_refused_credentials_fail_fast_without_printing_the_password(broker, measure) -> None:  # noqa: F811
    rc, out, dt = run_worker({"RRM_KAFKA_BOOTSTRAP": broker.bootstrap, "RRM_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                              "RRM_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "RRM_KAFKA_SASL_USERNAME": "alice",
                              "RRM_BROKER_PROFILE": "embedded"})
    assert rc == 2, out
    last = out.strip().splitlines()[-1]
    assert "refused authentication" in last and "RRM_KAFKA_SASL_PASSWORD" in last and "'alice'" in last, out
    assert "cannot reach" not in last, "a credentials problem is not reported as an unreachable broker"
    # the settings line is logged at start-up, with the password masked
    assert "'kafka_sasl_password': '**********'" in out
    measure(seconds=round(dt, 1), message=last[:240])
