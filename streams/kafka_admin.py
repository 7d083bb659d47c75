"""Small Kafka helpers on kafka-python: client config from settings, topic creation,
connectivity check. Only admin calls that work on both Apache Kafka and the
embedded broker are used (create/list topics; see ../shared/BROKER.md)."""

from __future__ import annotations

import logging
import ssl
from typing import Any

from streams.errors import BrokerError
from streams.settings import SecurityProtocol, Settings


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.kafka_security_protocol not in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL):
        return None
    ctx = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
    if settings.kafka_ssl_certfile:
        ctx.load_cert_chain(
            str(settings.kafka_ssl_certfile),
            str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
        )
    return ctx


def kafka_python_config(settings: Settings) -> dict[str, Any]:
    """Connection keyword arguments for kafka-python clients."""
    cfg: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol.value,
    }
    ctx = ssl_context(settings)
    if ctx is not None:
        cfg["ssl_context"] = ctx
    if settings.kafka_security_protocol in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL):
        cfg["sasl_mechanism"] = settings.kafka_sasl_mechanism
        cfg["sasl_plain_username"] = settings.kafka_sasl_username
        cfg["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        )
    return cfg


def ensure_topics(settings: Settings, names: list[str], timeout: float = 15.0) -> list[str]:
    """Create the topics that don't exist yet; return the ones created.

    Raises :class:`BrokerError` naming RRM_KAFKA_BOOTSTRAP when the broker can't be reached."""
    # kafka-python logs every reconnect attempt at ERROR; the one error we raise says it all.
    klog = logging.getLogger("kafka")
    level = klog.level
    klog.setLevel(logging.CRITICAL)
    try:
        return _ensure_topics(settings, names, timeout)
    finally:
        klog.setLevel(level)


def _ensure_topics(settings: Settings, names: list[str], timeout: float) -> list[str]:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    try:
        admin = KafkaAdminClient(
            **kafka_python_config(settings),
            client_id=f"{settings.app_id}-admin",
            request_timeout_ms=int(timeout * 1000),
        )
    except KafkaError as exc:
        raise BrokerError(
            f"cannot reach Kafka at RRM_KAFKA_BOOTSTRAP={settings.kafka_bootstrap}: {type(exc).__name__}: {exc}"
        ) from None
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            try:
                admin.create_topics(
                    [
                        NewTopic(n, num_partitions=settings.topic_partitions,
                                 replication_factor=settings.topic_replication)
                        for n in missing
                    ]
                )
            except TopicAlreadyExistsError:
                pass
        return missing
    except KafkaError as exc:
        raise BrokerError(f"topic creation failed on {settings.kafka_bootstrap}: {type(exc).__name__}: {exc}") from None
    finally:
        admin.close()
