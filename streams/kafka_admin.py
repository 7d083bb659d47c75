"""Small Kafka helpers on kafka-python: client config from settings, topic creation,
connectivity check. Only admin calls that work on both Apache Kafka and the
embedded broker are used (create/list topics; see ../shared/BROKER.md)."""

from __future__ import annotations

import logging
import re
import ssl
import threading
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


#: kafka-python error names that mean "the broker refused who we are", not "no broker"
_AUTH_ERRORS = re.compile(r"\b(\w*Sasl\w*Error|\w*Authentication\w*Error|\w*AuthorizationFailed\w*)\b")


class _KafkaLogCapture(logging.Handler):
    """Collects kafka-python's warnings and errors during a call; flags auth failures."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.auth_failure: str | None = None
        self.auth_seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001
            return
        self.messages.append(msg)
        m = _AUTH_ERRORS.search(msg)
        if m and self.auth_failure is None:
            self.auth_failure = msg[m.start():][:300]
            self.auth_seen.set()


def _redact(text: str, settings: Settings) -> str:
    pw = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    return text.replace(pw, "**********") if pw else text


def ensure_topics(settings: Settings, names: list[str], timeout: float = 15.0) -> list[str]:
    """Create the topics that don't exist yet; return the ones created.

    Raises :class:`BrokerError` naming RRM_KAFKA_BOOTSTRAP when the broker can't be
    reached, or naming the SASL settings -- at the first refusal, not after the
    timeout -- when the broker rejects the credentials. Never includes a secret."""
    # kafka-python logs every reconnect attempt at ERROR; the one error we raise says it all.
    klog = logging.getLogger("kafka")
    saved = (klog.level, klog.propagate)
    capture = _KafkaLogCapture()
    klog.setLevel(logging.WARNING)
    klog.propagate = False
    klog.addHandler(capture)
    result: list[list[str]] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(_ensure_topics(settings, names, timeout))
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            error.append(exc)

    try:
        worker = threading.Thread(target=run, name="repwatch-ensure-topics", daemon=True)
        worker.start()
        while worker.is_alive() and not capture.auth_seen.is_set():
            worker.join(0.1)
        if capture.auth_failure is not None:
            who = f"user {settings.kafka_sasl_username!r}" if settings.kafka_sasl_username else "no user"
            raise BrokerError(_redact(
                f"Kafka at RRM_KAFKA_BOOTSTRAP={settings.kafka_bootstrap} refused authentication "
                f"({settings.kafka_security_protocol.value}, RRM_KAFKA_SASL_MECHANISM={settings.kafka_sasl_mechanism}, "
                f"{who}): {capture.auth_failure}. Check RRM_KAFKA_SASL_USERNAME, RRM_KAFKA_SASL_PASSWORD and "
                "RRM_KAFKA_SASL_MECHANISM.",
                settings,
            )) from None
        if error:
            exc = error[0]
            if isinstance(exc, BrokerError):
                last = next((m for m in reversed(capture.messages) if m), "")
                detail = f" (last client error: {last[-200:]})" if last else ""
                raise BrokerError(_redact(f"{exc}{detail}", settings)) from None
            raise exc
        return result[0]
    finally:
        klog.removeHandler(capture)
        klog.setLevel(saved[0])
        klog.propagate = saved[1]


def _ensure_topics(settings: Settings, names: list[str], timeout: float) -> list[str]:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    extra = {}
    if "bootstrap_timeout_ms" in KafkaAdminClient.DEFAULT_CONFIG:  # kafka-python >= 3: default 30 s
        extra["bootstrap_timeout_ms"] = int(timeout * 1000)
    try:
        admin = KafkaAdminClient(
            **kafka_python_config(settings),
            client_id=f"{settings.app_id}-admin",
            request_timeout_ms=int(timeout * 1000),
            **extra,
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
