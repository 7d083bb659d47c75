"""Settings from ``RRM_*`` environment variables (pydantic-settings).

Built once in ``main()``, never at import time. A bad value stops start-up with a
message that names the variable (see :func:`load_settings`). Credentials are
``SecretStr`` and never appear in logs or reprs.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.errors import ConfigError

ENV_PREFIX = "RRM_"
DEFAULT_WATCHLIST = Path(__file__).parent / "data" / "watchlist.yaml"


class SecurityProtocol(str, Enum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class Settings(BaseSettings):
    """All runtime settings. Environment variable = ``RRM_`` + upper-case field name."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="ignore", case_sensitive=False
    )

    # --- Kafka connection -------------------------------------------------
    kafka_bootstrap: str = Field(
        "127.0.0.1:9092", description="Comma-separated Kafka bootstrap servers (host:port)."
    )
    kafka_security_protocol: SecurityProtocol = Field(
        SecurityProtocol.PLAINTEXT, description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism when a SASL protocol is used."
    )
    kafka_sasl_username: str | None = Field(None, description="SASL username.")
    kafka_sasl_password: SecretStr | None = Field(
        None, description="SASL password (secret; never logged)."
    )
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle for TLS.")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate (mTLS).")
    kafka_ssl_keyfile: Path | None = Field(None, description="Client key (mTLS).")
    #: "embedded" tunes client timeouts for the local Tansu broker (see BROKER.md);
    #: "kafka" keeps normal Apache Kafka defaults.
    broker_profile: Literal["kafka", "embedded"] = Field(
        "kafka", description="'kafka' (production defaults) or 'embedded' (local Tansu broker)."
    )

    # --- topics -------------------------------------------------------------
    input_topic: str = Field("mentions", description="Topic mentions are consumed from.")
    risk_topic: str = Field("reputation.risk", description="Topic RiskEvents are published to.")
    dlq_topic: str = Field("mentions.dlq", description="Dead-letter topic for rejected input.")
    entity_topic: str = Field(
        "repwatch.entity-partials", description="Internal repartition topic keyed by entity id."
    )
    topic_partitions: int = Field(4, ge=1, le=1024, description="Partitions of topics repwatch creates.")
    topic_replication: int = Field(1, ge=1, le=16, description="Replication factor of created topics.")

    # --- application ---------------------------------------------------------
    app_id: str = Field("repwatch", description="Faust app id = consumer group (names saved state).")
    watchlist: Path = Field(DEFAULT_WATCHLIST, description="Path to the watchlist YAML.")
    web_host: str = Field("0.0.0.0", description="Bind address of the metrics/health web server.")
    web_port: int = Field(6066, ge=1, le=65535, description="Port of /metrics, /healthz, /readyz.")
    data_dir: Path = Field(Path("/tmp/repwatch"), description="Worker data dir (table state).")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")

    # --- stream processing --------------------------------------------------
    bucket_seconds: int = Field(300, ge=10, le=86400, description="Event-time bucket width, seconds.")
    allowed_lateness_seconds: int = Field(
        600, ge=0, le=86400, description="Late events within this much event time still count."
    )
    max_future_skew_seconds: int = Field(
        300, ge=0, description="Event times further ahead of the worker clock are clamped to it and counted."
    )
    batch_size: int = Field(500, ge=1, le=100000, description="Max mentions per enrichment batch.")
    batch_timeout_seconds: float = Field(0.5, gt=0, le=60, description="Max wait to fill a batch.")
    idle_source_seconds: float = Field(
        30.0, gt=0, description="A mentions partition silent this long (wall time) stops holding the watermark back."
    )
    evidence_posts: int = Field(5, ge=0, le=50, description="Top negative posts kept as evidence per bucket.")
    discovered_ttl_seconds: int = Field(
        86400,
        ge=3600,
        description="A discovered (non-watchlist) entity silent this long (event time) is retired: "
        "no more buckets, a ~100-byte tombstone; its next mention starts it afresh.",
    )
    max_entity_labels: int = Field(
        500, ge=0, description="Cap on entities exported with metric labels (watchlist entities only)."
    )
    sentiment_model: Literal["default", "vader"] = Field(
        "default", description="Sentiment scorer: 'default' (shipped model) or 'vader' (fallback; detects backlashes "
        "much later or not at all, see docs/nlp-sentiment.md)."
    )
    ner: Literal["off", "on", "contextual"] = Field(
        "off",
        description="Statistical discovery of non-watchlist entities (people, places, organisations, products): "
        "'on' = the CRF with spaCy features (~600 mentions/s per core); 'contextual' = the same CRF with "
        "MiniLM token features (more accurate, ~7x slower; needs scripts/install-contextual.sh). "
        "See docs/nlp-entities.md.",
    )
    emerging_min_negative: int = Field(
        20,
        ge=0,
        description="A discovered (non-watchlist) entity still in its 3 h warm-up opens an 'emerging' incident "
        "(risk topic only) on a bucket with at least this many negative voices making up at least half of it; "
        "0 = never. Watchlist entities never page during warm-up.",
    )
    discover_hashtags: Literal["off", "on"] = Field(
        "off",
        description="Hashtags that are not watchlist forms become entities `discovered:hashtag:<tag>` with their "
        "own baseline, so a campaign hashtag gaining volume is seen before anyone lists it (cheap: a regex; "
        "more entity state). Like NER discoveries they reach the risk topic, not the pager; in their first "
        "3 h (warm-up) only an 'emerging' storm opens an incident (RRM_EMERGING_MIN_NEGATIVE).",
    )

    @field_validator("kafka_bootstrap")
    @classmethod
    def _check_bootstrap(cls, v: str) -> str:
        servers = [s.strip() for s in v.split(",") if s.strip()]
        if not servers:
            raise ValueError("must list at least one host:port")
        for s in servers:
            host, sep, port = s.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{s!r} is not host:port")
        return ",".join(servers)

    @field_validator("ner")
    @classmethod
    def _check_ner(cls, v: str) -> str:
        if v == "contextual":
            import importlib.util

            from streams.nlp.minilm import INSTALL_HINT, model_dir

            if importlib.util.find_spec("tokenizers") is None:
                raise ValueError(f"'contextual' needs the 'tokenizers' package: {INSTALL_HINT}")
            try:
                model_dir()
            except ConfigError as exc:
                raise ValueError(f"'contextual' needs the MiniLM weights: {exc}") from None
        return v

    @field_validator("watchlist")
    @classmethod
    def _check_watchlist(cls, v: Path) -> Path:
        if not v.is_file():
            raise ValueError(f"file {str(v)!r} does not exist")
        return v

    @property
    def bootstrap_servers(self) -> list[str]:
        return self.kafka_bootstrap.split(",")

    @property
    def broker_url(self) -> str:
        return ";".join(f"kafka://{s}" for s in self.bootstrap_servers)

    def safe_dump(self) -> dict[str, object]:
        """Settings as a dict with secrets masked, for logging."""
        out = {}
        for name, value in self.model_dump().items():
            out[name] = "**********" if isinstance(value, SecretStr) and value else value
        return out


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings` from the environment; raise :class:`ConfigError` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            var = ENV_PREFIX + field.upper()
            value = err.get("input")
            # never echo credentials-related values: a password pasted into the wrong
            # variable (found by tests/faults) must not end up in logs either
            secretish = field.startswith(("kafka_sasl", "kafka_ssl")) or "password" in field
            shown = "" if secretish or isinstance(value, (dict, list)) else f" (got {value!r})"
            lines.append(f"{var}: {err['msg']}{shown}")
        message = "invalid settings:\n  " + "\n  ".join(lines)
        password = os.environ.get(ENV_PREFIX + "KAFKA_SASL_PASSWORD") or str(overrides.get("kafka_sasl_password") or "")
        if len(password) >= 4:
            message = message.replace(password, "**********")
        raise ConfigError(message) from None


def settings_markdown() -> str:
    """The configuration reference table (README), generated from the model."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, f in Settings.model_fields.items():
        default = f.default
        if isinstance(default, Enum):
            default = default.value
        if name == "watchlist":
            default = "built-in `streams/data/watchlist.yaml`"
        shown = "—" if default is None else f"`{default}`" if not str(default).startswith("built-in") else default
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {shown} | {f.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m streams.settings  → README configuration table
    print(settings_markdown())
