"""The chart through the real Helm engine (helm-sdkpy): lint, and `helm install` into a fake
API server to get the rendered manifests, which are then validated against the Kubernetes
JSON schemas (kubernetes-validate, strict: unknown fields are errors) and checked for what
the chart promises."""

from __future__ import annotations

import json
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from helm_engine import CHART, REPO, InstallFailed, Rendered, chart_copy, lint, package, render
from test_helm_values_schema import COMBINATIONS

pytestmark = [pytest.mark.helm, pytest.mark.usefixtures("helm_engine")]

# Oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas shipped.
K8S_VERSIONS = ("1.27.0", kubernetes_validate.utils.latest_version())
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}  # no JSON schema shipped; checked field by field
RULES = REPO / "alerts" / "repwatch-rules.yaml"
DASHBOARDS = REPO / "dashboards"
FIXTURE_DASHBOARD = json.dumps(
    {"uid": "fixture-uid", "title": "Fixture", "panels": [{"type": "stat", "title": "caf\u00e9 \"quoted\" <b>",
                                                          "targets": [{"expr": "sum(rate(x[5m]))"}]}]},
    indent=2, ensure_ascii=False,
) + "\n"


def _needs_dashboards() -> bool:
    return any(DASHBOARDS.glob("*.json"))


def values_for(name: str) -> dict[str, Any]:
    values = COMBINATIONS[name]
    if values.get("dashboards", {}).get("enabled") and not _needs_dashboards():
        pytest.fail("dashboards/*.json is empty: the chart renders its dashboard ConfigMaps from it")
    return values


def k8s_validate(obj: dict[str, Any]) -> None:
    if obj["kind"] in CRD_KINDS:
        return
    for version in K8S_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            raise AssertionError(f"{obj['kind']}/{obj['metadata']['name']} invalid for Kubernetes {version}: "
                                 f"{exc.message} at {list(exc.path)}") from None


def worker(r: Rendered) -> dict[str, Any]:
    return r.get("Deployment")["spec"]["template"]["spec"]["containers"][0]


def env_of(r: Rendered) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in worker(r)["env"]}


# --- lint -------------------------------------------------------------------------------------


def test_lint_passes_on_the_chart_as_committed() -> None:
    """The real chart directory, with its symlinks to alerts/ and dashboards/."""
    result = lint(CHART)
    assert result.raw["TotalChartsLinted"] == 1
    assert result.errors == [], f"helm lint errors at {result.error_paths}"


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_lint_passes_for_each_combination(name: str, tmp_path: Path) -> None:
    result = lint(chart_copy(tmp_path, values_for(name)))
    assert result.errors == [], f"helm lint errors at {result.error_paths}"


def test_lint_catches_a_typo_in_values(tmp_path: Path) -> None:
    result = lint(chart_copy(tmp_path, {"serviceMonitor": {"enabeld": True}}))
    assert "values.yaml" in result.error_paths


def test_lint_catches_a_broken_template(tmp_path: Path) -> None:
    """Guards the lint tests above against passing vacuously."""
    result = lint(chart_copy(tmp_path, files={"templates/broken.yaml": "kind: ConfigMap\n{{ .Values.x | nope }}\n"}))
    assert result.errors


# --- rendering + Kubernetes schemas ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_rendered_objects_are_valid_kubernetes(name: str) -> None:
    seed = [_watchlist_cm("brand-watchlist", "entities.yaml", "version: 1\nentities: []\n")]
    r = render(values_for(name), seed=seed)
    assert r.manifests
    for obj in r.all_objects():
        k8s_validate(obj)
    # What Helm sent to the API server is what it rendered.
    assert sorted(o["kind"] for o in r.created) == r.kinds()


def test_kubernetes_schema_check_is_strict() -> None:
    """Guards the validation above: a misspelt field in a rendered object is caught."""
    obj = render().get("Deployment")
    obj["spec"]["template"]["spec"]["containers"][0]["securityContxt"] = {}
    with pytest.raises(AssertionError, match="securityContxt"):
        k8s_validate(obj)


def test_default_install_objects() -> None:
    r = render()
    assert r.kinds() == ["Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"]
    assert [h["kind"] for h in r.hooks] == ["Pod"]


def test_schema_is_enforced_by_the_engine() -> None:
    with pytest.raises(InstallFailed, match="replicaCont"):
        render({"replicaCont": 3})
    with pytest.raises(InstallFailed, match="password"):
        render({"kafka": {"sasl": {"password": "hunter2"}}})
    with pytest.raises(InstallFailed, match="existingSecret|sasl"):
        render({"kafka": {"securityProtocol": "SASL_SSL"}})


def test_kube_version_floor() -> None:
    with pytest.raises(InstallFailed, match="(?i)kubernetes version|kubeVersion|incompatible"):
        render(kube_version="1.26.0")


# --- the worker Deployment ---------------------------------------------------------------------


def test_security_context() -> None:
    r = render()
    pod = r.get("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in [worker(r), r.get("Pod")["spec"]["containers"][0]]:
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
    # Writable volumes for /tmp and the table state on the read-only root filesystem.
    mounts = {m["mountPath"]: m["name"] for m in worker(r)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert "emptyDir" in volumes[mounts[env_of(r)["RRM_DATA_DIR"]]]


def test_probes_use_the_worker_health_endpoints() -> None:
    c = worker(render())
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http": 6066}
    assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
    assert c["args"] == ["worker"]


def test_rollout_never_surges_past_the_partitions() -> None:
    spec = render().get("Deployment")["spec"]
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_environment_is_accepted_by_the_worker_settings(name: str, tmp_path: Path) -> None:
    """Every RRM_* variable the chart sets is a real setting and its value passes validation."""
    from streams.settings import ENV_PREFIX, Settings

    r = render(values_for(name), seed=[_watchlist_cm("brand-watchlist", "entities.yaml", "")])
    fields = set(Settings.model_fields)
    kwargs: dict[str, Any] = {}
    for var, value in env_of(r).items():
        if not var.startswith(ENV_PREFIX):
            continue
        field = var.removeprefix(ENV_PREFIX).lower()
        assert field in fields, f"{var} is not a repwatch setting"
        kwargs[field] = "from-secret" if isinstance(value, dict) else value
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("version: 1\nentities: []\n")
    kwargs["watchlist"] = watchlist  # the file exists only in the pod
    Settings(**kwargs)


def test_sasl_and_tls_come_from_existing_secrets() -> None:
    r = render(COMBINATIONS["sasl-tls"])
    env = env_of(r)
    assert env["RRM_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["RRM_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    for var, key in [("RRM_KAFKA_SASL_USERNAME", "username"), ("RRM_KAFKA_SASL_PASSWORD", "password")]:
        assert env[var] == {"secretKeyRef": {"name": "kafka-credentials", "key": key}}
    assert env["RRM_KAFKA_SSL_CAFILE"] == "/etc/repwatch/kafka-tls/ca.crt"
    assert "RRM_KAFKA_SSL_CERTFILE" not in env
    pod = r.get("Deployment")["spec"]["template"]["spec"]
    tls = next(v for v in pod["volumes"] if v["name"] == "kafka-tls")
    assert tls["secret"]["secretName"] == "kafka-ca"
    assert {m["mountPath"] for m in worker(r)["volumeMounts"]} >= {"/etc/repwatch/kafka-tls"}
    assert r.all("Secret") == []  # the chart never creates a Secret


def test_mutual_tls() -> None:
    r = render(COMBINATIONS["mtls"])
    env = env_of(r)
    assert env["RRM_KAFKA_SSL_CERTFILE"] == "/etc/repwatch/kafka-tls/tls.crt"
    assert env["RRM_KAFKA_SSL_KEYFILE"] == "/etc/repwatch/kafka-tls/tls.key"
    assert "RRM_KAFKA_SASL_PASSWORD" not in env
    with pytest.raises(InstallFailed, match="certKey and kafka.tls.keyKey"):
        render({"kafka": {"securityProtocol": "SSL", "tls": {"existingSecret": "x", "certKey": "tls.crt"}}})


def test_topics_and_partitions_reach_the_worker() -> None:
    env = env_of(render({"kafka": {"topics": {"input": "posts", "partitions": 24, "replication": 2}}}))
    assert env["RRM_INPUT_TOPIC"] == "posts"
    assert env["RRM_TOPIC_PARTITIONS"] == "24"
    assert env["RRM_TOPIC_REPLICATION"] == "2"


# --- watchlist ---------------------------------------------------------------------------------


def _watchlist_cm(name: str, key: str, text: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "repwatch"},
            "data": {key: text}}


def _checksum(r: Rendered) -> str | None:
    return r.get("Deployment")["spec"]["template"]["metadata"].get("annotations", {}).get("checksum/watchlist")


def test_inline_watchlist_is_a_valid_watchlist_mounted_for_the_worker() -> None:
    from streams.watchlist import parse_watchlist

    r = render(COMBINATIONS["inline-watchlist"])
    cm = r.get("ConfigMap", "rw-repwatch-watchlist")
    watchlist = parse_watchlist(cm["data"]["watchlist.yaml"])
    assert [e.id for e in watchlist.entities] == ["acme-air"]
    env = env_of(r)
    assert env["RRM_WATCHLIST"] == "/etc/repwatch/watchlist/watchlist.yaml"
    volume = next(v for v in r.get("Deployment")["spec"]["template"]["spec"]["volumes"] if v["name"] == "watchlist")
    assert volume["configMap"] == {"name": "rw-repwatch-watchlist", "items": [{"key": "watchlist.yaml",
                                                                               "path": "watchlist.yaml"}]}


def test_inline_watchlist_change_rolls_the_pods() -> None:
    first = _checksum(render(COMBINATIONS["inline-watchlist"]))
    again = _checksum(render(COMBINATIONS["inline-watchlist"]))
    changed = json.loads(json.dumps(COMBINATIONS["inline-watchlist"]))
    changed["watchlist"]["entities"][0]["aliases"].append("acme airlines")
    assert first and first == again
    assert _checksum(render(changed)) != first


def test_existing_watchlist_configmap_change_rolls_the_pods() -> None:
    """The chart reads the existing ConfigMap with `lookup`: new content, new checksum."""
    values = COMBINATIONS["existing-watchlist"]
    v1 = render(values, seed=[_watchlist_cm("brand-watchlist", "entities.yaml", "version: 1\nentities: []\n")])
    v1_again = render(values, seed=[_watchlist_cm("brand-watchlist", "entities.yaml", "version: 1\nentities: []\n")])
    v2 = render(values, seed=[_watchlist_cm("brand-watchlist", "entities.yaml",
                                            "version: 1\nentities: [{id: x, name: X}]\n")])
    assert _checksum(v1) and _checksum(v1) == _checksum(v1_again)
    assert _checksum(v2) != _checksum(v1)
    assert v1.all("ConfigMap") == []  # the chart does not own the operator's ConfigMap
    volume = next(v for v in v1.get("Deployment")["spec"]["template"]["spec"]["volumes"] if v["name"] == "watchlist")
    assert volume["configMap"]["name"] == "brand-watchlist"
    assert volume["configMap"]["items"] == [{"key": "entities.yaml", "path": "watchlist.yaml"}]


def test_no_watchlist_uses_the_builtin_one() -> None:
    r = render()
    assert "RRM_WATCHLIST" not in env_of(r)
    assert _checksum(r) is None
    assert "built-in demo watchlist" in r.notes


# --- scaling, disruption, network ---------------------------------------------------------------


def test_pdb_selects_the_workers() -> None:
    r = render()
    pdb = r.get("PodDisruptionBudget")
    labels = r.get("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    test_pod_labels = r.get("Pod")["metadata"]["labels"]
    assert not pdb["spec"]["selector"]["matchLabels"].items() <= test_pod_labels.items()


def test_hpa_on_consumer_lag() -> None:
    r = render(COMBINATIONS["hpa"])
    assert "replicas" not in r.get("Deployment")["spec"]  # the HPA owns it
    hpa = r.get("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "rw-repwatch"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 8)
    external = next(m["external"] for m in hpa["spec"]["metrics"] if m["type"] == "External")
    assert external["metric"]["name"] == "repwatch_consumer_lag_records"
    assert external["metric"]["selector"] == {"matchLabels": {"topic": "mentions"}}
    assert external["target"]["type"] == "AverageValue"
    assert any(m["type"] == "Resource" for m in hpa["spec"]["metrics"])
    assert render().get("Deployment")["spec"]["replicas"] == 2


def test_networkpolicy_allows_only_kafka_dns_egress_and_scrape_ingress() -> None:
    r = render(COMBINATIONS["networkpolicy"])
    np = r.get("NetworkPolicy")["spec"]
    assert sorted(np["policyTypes"]) == ["Egress", "Ingress"]
    assert np["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "worker"
    (ingress,) = np["ingress"]
    assert ingress["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}} in ingress["from"]
    # ... and the chart's own test pod.
    test_pod = r.get("Pod")["metadata"]["labels"]
    assert any(p.get("podSelector", {}).get("matchLabels", {}).items() <= test_pod.items()
               for p in ingress["from"] if "podSelector" in p)
    kafka, dns = np["egress"]
    assert kafka["ports"] == [{"port": 9092, "protocol": "TCP"}]
    assert kafka["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]
    assert sorted((p["port"], p["protocol"]) for p in dns["ports"]) == [(53, "TCP"), (53, "UDP")]


def test_networkpolicy_kafka_ports_follow_the_bootstrap_servers() -> None:
    r = render({"networkPolicy": {"enabled": True},
                "kafka": {"bootstrapServers": "a.example:9093,b.example:9093,c.example:19093"}})
    kafka = r.get("NetworkPolicy")["spec"]["egress"][0]
    assert kafka["ports"] == [{"port": 9093, "protocol": "TCP"}, {"port": 19093, "protocol": "TCP"}]
    assert "to" not in kafka


# --- monitoring: ServiceMonitor, PrometheusRule, dashboards ------------------------------------


def test_service_monitor_scrapes_the_metrics_service() -> None:
    r = render(COMBINATIONS["monitoring"])
    sm = r.get("ServiceMonitor")
    svc = r.get("Service")
    assert sm["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["repwatch"]}
    (endpoint,) = sm["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in svc["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    # The rules find the workers by up{job=~".*repwatch.*"}: job comes from this Service label.
    assert "repwatch" in svc["metadata"]["labels"][sm["spec"]["jobLabel"]]
    assert svc["spec"]["selector"].items() <= r.get("Deployment")["spec"]["template"]["metadata"]["labels"].items()


def test_chart_files_are_symlinks_to_the_repo_sources() -> None:
    rules_link = CHART / "files" / "repwatch-rules.yaml"
    dashboards_link = CHART / "files" / "dashboards"
    assert rules_link.is_symlink() and rules_link.resolve() == RULES.resolve()
    assert dashboards_link.is_symlink() and dashboards_link.resolve() == DASHBOARDS.resolve()


def test_prometheus_rule_equals_the_repo_rule_file() -> None:
    assert RULES.is_file(), "alerts/repwatch-rules.yaml is missing"
    source = yaml.safe_load(RULES.read_text())
    rule = render({"prometheusRule": {"enabled": True}}).get("PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"] == {"groups": source["groups"]}
    assert source["groups"], "the rule file has no groups"


def test_prometheus_rule_follows_its_source(tmp_path: Path) -> None:
    """A different rule file gives a different PrometheusRule (the rendering is not canned)."""
    rules = {"groups": [{"name": "fixture", "rules": [
        {"alert": "FixtureAlert", "expr": 'up{job="x"} == 0', "for": "5m",
         "labels": {"severity": "critical"},
         "annotations": {"summary": "{{ $labels.instance }} is down", "runbook_url": "https://x/r.md"}}]}]}
    chart = chart_copy(tmp_path, files={"files/repwatch-rules.yaml": yaml.safe_dump(rules)})
    rule = render({"prometheusRule": {"enabled": True}}, chart_dir=chart).get("PrometheusRule")
    assert rule["spec"] == rules  # Prometheus templates ({{ $labels }}) pass through untouched
    broken = chart_copy(tmp_path / "b", files={"files/repwatch-rules.yaml": "- not a rule file\n"})
    with pytest.raises(InstallFailed, match="not a Prometheus rule file"):
        render({"prometheusRule": {"enabled": True}}, chart_dir=broken)


def test_prometheus_rule_links_point_at_this_installation() -> None:
    """grafanaUrl / runbookBaseUrl replace the rule file's placeholder links (and only them)."""
    source = yaml.safe_load(RULES.read_text())
    values = {"prometheusRule": {"enabled": True, "grafanaUrl": "https://grafana.corp.test/",
                                 "runbookBaseUrl": "https://wiki.corp.test/sre/repwatch"}}
    rule = render(values).get("PrometheusRule")
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    src_alerts = [r for g in source["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) == len(src_alerts) > 0
    for got, src in zip(alerts, src_alerts, strict=True):
        ann = got["annotations"]
        assert ann["runbook_url"] == f"https://wiki.corp.test/sre/repwatch/{src['alert']}.md"
        if "dashboard_url" in src["annotations"]:
            assert ann["dashboard_url"] == src["annotations"]["dashboard_url"].replace(
                "https://grafana.example.com/", "https://grafana.corp.test/")
        # everything else is the source rule, Prometheus templates untouched
        assert {k: v for k, v in got.items() if k != "annotations"} == {
            k: v for k, v in src.items() if k != "annotations"}
        assert {k: v for k, v in ann.items() if not k.endswith("_url")} == {
            k: v for k, v in src["annotations"].items() if not k.endswith("_url")}
    assert "example.com" not in yaml.safe_dump(rule)
    with pytest.raises(InstallFailed, match="grafanaUrl"):
        render({"prometheusRule": {"enabled": True, "grafanaUrl": "grafana.corp.test"}})


def test_packaged_chart_carries_the_source_files(tmp_path: Path) -> None:
    """`helm package` stores the content behind the symlinks; the .tgz renders the same."""
    tgz = package(CHART, tmp_path)
    with tarfile.open(tgz) as tar:
        names = set(tar.getnames())
        rules = tar.extractfile("repwatch/files/repwatch-rules.yaml")
        assert rules is not None and rules.read().decode() == RULES.read_text()
        for source in DASHBOARDS.glob("*.json"):
            member = tar.extractfile(f"repwatch/files/dashboards/{source.name}")
            assert member is not None and member.read().decode() == source.read_text()
    assert "repwatch/values.schema.json" in names and "repwatch/templates/NOTES.txt" in names
    values = {"prometheusRule": {"enabled": True}, "dashboards": {"enabled": True}}
    assert render(values, chart_dir=tgz).manifests == render(values).manifests


def _dashboard_configmaps(r: Rendered) -> dict[str, str]:
    out = {}
    for cm in r.all("ConfigMap"):
        if cm["metadata"].get("labels", {}).get("grafana_dashboard") == "1":
            assert cm["metadata"]["annotations"] == {"grafana_folder": "repwatch"}
            ((key, text),) = cm["data"].items()
            out[key] = text
    return out


def test_dashboards_equal_the_repo_json() -> None:
    sources = {p.name: p.read_text() for p in sorted(DASHBOARDS.glob("*.json"))}
    assert sources, "dashboards/*.json is empty"
    r = render({"dashboards": {"enabled": True}})
    assert _dashboard_configmaps(r) == sources  # byte for byte
    for text in sources.values():
        json.loads(text)


def test_dashboards_follow_their_source(tmp_path: Path) -> None:
    chart = chart_copy(tmp_path, files={"files/dashboards": ""})
    (chart / "files" / "dashboards").unlink()
    (chart / "files" / "dashboards").mkdir()
    (chart / "files" / "dashboards" / "repwatch_fixture.json").write_text(FIXTURE_DASHBOARD)
    r = render({"dashboards": {"enabled": True, "namespace": "grafana"}}, chart_dir=chart)
    assert _dashboard_configmaps(r) == {"repwatch_fixture.json": FIXTURE_DASHBOARD}
    (cm,) = [c for c in r.all("ConfigMap")]
    assert cm["metadata"]["name"] == "rw-repwatch-dashboard-repwatch-fixture"
    assert cm["metadata"]["namespace"] == "grafana"


def test_monitoring_objects_are_off_by_default() -> None:
    kinds = set(render().kinds())
    assert not kinds & {"ServiceMonitor", "PrometheusRule", "NetworkPolicy", "HorizontalPodAutoscaler", "ConfigMap"}


# --- helm test, NOTES, metadata ----------------------------------------------------------------


def test_chart_test_pod_checks_readiness_and_metrics() -> None:
    r = render()
    pod = r.get("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    container = pod["spec"]["containers"][0]
    script = container["args"][0]
    assert "http://rw-repwatch.repwatch.svc:6066" in script
    assert "/readyz" in script and "/metrics" in script
    compile(script, "test-connection", "exec")  # the check is valid Python
    assert container["image"] == worker(r)["image"]


def test_notes_tell_the_operator_how_to_check() -> None:
    notes = render().notes
    assert "helm test rw -n repwatch" in notes
    assert "rollout status deployment/rw-repwatch" in notes
    assert "/metrics" in notes
    many = render({"replicaCount": 16, "kafka": {"topics": {"partitions": 12}}}).notes
    assert "WARNING" in many and "replicas <= partitions" in many


def test_image_reference() -> None:
    assert worker(render())["image"] == "repwatch:0.1.0"
    assert worker(render({"image": {"repository": "registry.example/repwatch", "tag": "1.2.3"}}))["image"] == \
        "registry.example/repwatch:1.2.3"
    digest = "sha256:" + "cd" * 32
    assert worker(render({"image": {"digest": digest}}))["image"] == f"repwatch@{digest}"


def test_app_version_matches_the_package() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert chart["appVersion"] == project["version"]
