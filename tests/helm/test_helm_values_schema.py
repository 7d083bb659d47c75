"""values.schema.json checked with `jsonschema` (no Helm engine needed; the engine-side twin of
these checks is in test_helm_chart.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "repwatch"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
DEFAULTS = yaml.safe_load((CHART / "values.yaml").read_text())

# Feature-flag combinations an operator would use; shared with test_helm_chart.py.
COMBINATIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "monitoring": {
        "serviceMonitor": {"enabled": True, "additionalLabels": {"release": "kube-prometheus-stack"}},
        "prometheusRule": {"enabled": True, "additionalLabels": {"release": "kube-prometheus-stack"}},
    },
    "hpa": {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 8,
                            "targetCPUUtilizationPercentage": 80,
                            "lag": {"matchLabels": {"topic": "mentions"}}}},
    "networkpolicy": {"networkPolicy": {
        "enabled": True,
        "metricsFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
        "kafka": {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]},
    }},
    "sasl-tls": {"kafka": {
        "bootstrapServers": "b-1.kafka.internal:9096,b-2.kafka.internal:9096",
        "securityProtocol": "SASL_SSL",
        "sasl": {"mechanism": "SCRAM-SHA-512", "existingSecret": "kafka-credentials"},
        "tls": {"existingSecret": "kafka-ca"},
    }},
    "mtls": {"kafka": {
        "bootstrapServers": "kafka.internal:9094",
        "securityProtocol": "SSL",
        "tls": {"existingSecret": "kafka-client-tls", "certKey": "tls.crt", "keyKey": "tls.key"},
    }},
    "existing-watchlist": {"watchlist": {"existingConfigMap": "brand-watchlist", "key": "entities.yaml"}},
    "inline-watchlist": {"watchlist": {"entities": [
        {"id": "acme-air", "name": "Acme Air", "team": "comms-travel",
         "aliases": ["acme air", "acmeair"], "handles": ["@AcmeAir"], "hashtags": ["#acmeair"]},
    ]}},
    "everything": {
        "serviceMonitor": {"enabled": True},
        "prometheusRule": {"enabled": True},
        "dashboards": {"enabled": True},
        "autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 4},
        "networkPolicy": {"enabled": True},
        "kafka": {"securityProtocol": "SASL_PLAINTEXT", "sasl": {"existingSecret": "kafka-credentials"}},
        "watchlist": {"existingConfigMap": "brand-watchlist"},
        "image": {"digest": "sha256:" + "ab" * 32},
    },
}


def merged(override: dict[str, Any]) -> dict[str, Any]:
    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    return merge(DEFAULTS, override)


def errors(values: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)]


def test_schema_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["additionalProperties"] is False


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_combinations_are_valid(name: str) -> None:
    assert errors(merged(COMBINATIONS[name])) == []


@pytest.mark.parametrize(
    ("override", "where"),
    [
        ({"replicaCont": 3}, "replicaCont"),
        ({"kafka": {"bootstrapServer": "k:9092"}}, "bootstrapServer"),
        ({"serviceMonitor": {"enable": True}}, "enable"),
        ({"networkPolicy": {"kafka": {"port": [9092]}}}, "port"),
        ({"config": {"logLevl": "DEBUG"}}, "logLevl"),
        ({"probes": {"readyness": {}}}, "readyness"),
    ],
)
def test_typos_are_rejected(override: dict[str, Any], where: str) -> None:
    found = errors(merged(override))
    assert found and any(where in e for e in found), found


@pytest.mark.parametrize(
    "override",
    [
        {"replicaCount": "2"},
        {"serviceMonitor": {"enabled": "true"}},
        {"kafka": {"topics": {"partitions": 0}}},
        {"kafka": {"topics": {"replication": "3"}}},
        {"kafka": {"securityProtocol": "TLS"}},
        {"kafka": {"bootstrapServers": "kafka"}},  # no port
        {"kafka": {"topics": {"input": "bad topic name"}}},
        {"config": {"ner": False}},  # a bare `off` in YAML
        {"config": {"discoverHashtags": False}},
        {"config": {"emergingMinNegative": -1}},
        {"config": {"emergingMinNegative": "20"}},
        {"config": {"bucketSeconds": 5}},
        {"service": {"port": 70000}},
        {"image": {"digest": "latest"}},
        {"watchlist": {"entities": [{"name": "No Id"}]}},
        {"extraEnv": [{"value": "x"}]},
        {"podDisruptionBudget": {"maxUnavailable": "one"}},
    ],
)
def test_wrong_types_and_values_are_rejected(override: dict[str, Any]) -> None:
    assert errors(merged(override)), f"accepted: {override}"


def test_credentials_cannot_be_given_in_values() -> None:
    assert errors(merged({"kafka": {"sasl": {"password": "hunter2"}}}))
    assert errors(merged({"kafka": {"sasl": {"username": "repwatch"}}}))


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_sasl_needs_an_existing_secret(protocol: str) -> None:
    found = errors(merged({"kafka": {"securityProtocol": protocol}}))
    assert any("existingSecret" in e or "too short" in e for e in found), found
    assert errors(merged({"kafka": {"securityProtocol": protocol, "sasl": {"existingSecret": "creds"}}})) == []


def _schema_keys(schema: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        keys.add(path)
        if sub.get("type") == "object" and sub.get("additionalProperties") is False:
            keys |= _schema_keys(sub, path + ".")
    return keys


def _value_keys(values: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in values.items():
        path = f"{prefix}{name}"
        keys.add(path)
        sub = schema.get("properties", {}).get(name, {})
        if isinstance(value, dict) and sub.get("additionalProperties") is False:
            keys |= _value_keys(value, sub, path + ".")
    return keys


def test_every_schema_key_has_a_default_in_values_yaml() -> None:
    """The schema and values.yaml describe the same keys (no dead schema entry, no undocumented value)."""
    missing = _schema_keys(SCHEMA) - _value_keys(DEFAULTS, SCHEMA) - {"global"}
    assert missing == set()
