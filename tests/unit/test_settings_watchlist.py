"""Bad settings and bad watchlists stop start-up with a message naming the culprit."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.errors import ConfigError, WatchlistError
from streams.settings import DEFAULT_WATCHLIST, load_settings
from streams.watchlist import load_watchlist, parse_watchlist


def test_defaults_load(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert s.input_topic == "mentions" and s.risk_topic == "reputation.risk" and s.dlq_topic == "mentions.dlq"
    assert s.web_port == 6066 and s.kafka_bootstrap == "127.0.0.1:9092"


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("RRM_WEB_PORT", "not-a-port"),
        ("RRM_WEB_PORT", "70000"),
        ("RRM_KAFKA_BOOTSTRAP", "localhost"),
        ("RRM_BUCKET_SECONDS", "1"),
        ("RRM_BROKER_PROFILE", "tansu-ish"),
        ("RRM_WATCHLIST", "/nonexistent/watchlist.yaml"),
        ("RRM_KAFKA_SECURITY_PROTOCOL", "TLS"),
    ],
)
def test_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, var: str, value: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert var in str(exc.value)


def test_secrets_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRM_KAFKA_SASL_PASSWORD", "hunter2-secret")
    s = load_settings()
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.safe_dump())
    assert s.kafka_sasl_password is not None and s.kafka_sasl_password.get_secret_value() == "hunter2-secret"


def test_default_watchlist_is_valid() -> None:
    wl = load_watchlist(DEFAULT_WATCHLIST)
    assert "amazon-kindle" in wl.by_id() and all(e.team for e in wl.entities)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("entities: [{id: Bad Id, name: x}]", "entities.0.id"),
        ("entities: [{id: a, name: x}, {id: a, name: y}]", "duplicate id 'a'"),
        ("entities: [{id: a, name: x, handles: ['not a handle']}]", "entities.0.handles"),
        ("entities: [{id: a, name: x, colour: red}]", "entities.0.colour"),
        ("entities: [{id: a}]", "entities.0.name"),
        ("entities: [{id: a, name: x, sensitivity: {multiplier: -1}}]", "sensitivity.multiplier"),
        ("entities: [unclosed", "not valid YAML"),
        ("- just a list", "top level must be a mapping"),
    ],
)
def test_bad_watchlist_names_entry_and_field(text: str, needle: str) -> None:
    with pytest.raises(WatchlistError) as exc:
        parse_watchlist(text, source="wl.yaml")
    assert needle in str(exc.value) and "wl.yaml" in str(exc.value)


def test_missing_watchlist_file(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match="not found"):
        load_watchlist(tmp_path / "nope.yaml")


def test_readme_configuration_reference_is_current() -> None:
    from streams.settings import settings_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert settings_markdown() in readme, "README configuration table is stale: run `python -m streams.settings`"
