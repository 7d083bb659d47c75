"""A minimal Kubernetes API server on loopback, enough for the real Helm engine to install into.

helm-sdkpy exposes no `helm template`, but its Install action renders the chart exactly like
`helm install` and returns the rendered manifest. This server answers the calls Helm makes
during an install (version and discovery, release-storage Secrets, GET before create, POST
of each object) and records every object Helm creates, so tests can check the manifests as
the API server would receive them. It does no validation of its own: tests validate the
recorded objects against the Kubernetes JSON schemas.

Objects can be pre-seeded (e.g. an existing watchlist ConfigMap) so that Helm's `lookup`
sees them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# group/version -> [(kind, plural, namespaced)]
RESOURCES: dict[str, list[tuple[str, str, bool]]] = {
    "v1": [
        ("ConfigMap", "configmaps", True),
        ("Secret", "secrets", True),
        ("Service", "services", True),
        ("ServiceAccount", "serviceaccounts", True),
        ("Pod", "pods", True),
        ("Namespace", "namespaces", False),
    ],
    "apps/v1": [("Deployment", "deployments", True)],
    "policy/v1": [("PodDisruptionBudget", "poddisruptionbudgets", True)],
    "autoscaling/v2": [("HorizontalPodAutoscaler", "horizontalpodautoscalers", True)],
    "networking.k8s.io/v1": [("NetworkPolicy", "networkpolicies", True)],
    "monitoring.coreos.com/v1": [("ServiceMonitor", "servicemonitors", True), ("PrometheusRule", "prometheusrules", True)],
}
SERVER_VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.0", "platform": "linux/amd64"}

_OBJ_PATH = re.compile(r"^/(?:api/(?P<core>v1)|apis/(?P<gv>[^/]+/[^/]+))(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?$")


def _gv_of(m: re.Match[str]) -> str:
    return m.group("core") or m.group("gv")


class FakeApiServer:
    """Start with :meth:`running`; ``created`` lists the JSON objects Helm created, in order."""

    def __init__(self, seed: list[dict[str, Any]] | None = None, kube_version: str = "1.31.0") -> None:
        major, minor, _ = kube_version.split(".")
        self.version = {**SERVER_VERSION, "major": major, "minor": minor, "gitVersion": f"v{kube_version}"}
        self.created: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self._store: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        for obj in seed or []:
            gv = obj["apiVersion"]
            plural = next(p for k, p, _ in RESOURCES[gv] if k == obj["kind"])
            md = obj["metadata"]
            self._store[(gv, md.get("namespace", ""), plural, md["name"])] = obj
        self._server: ThreadingHTTPServer | None = None

    # -- kubeconfig ------------------------------------------------------------------------
    def kubeconfig(self, namespace: str) -> str:
        assert self._server is not None
        port = self._server.server_address[1]
        return (
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: fake, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
            "users: [{name: fake, user: {token: fake}}]\n"
            f"contexts: [{{name: fake, context: {{cluster: fake, user: fake, namespace: {namespace}}}}}]\n"
            "current-context: fake\n"
        )

    @contextmanager
    def running(self) -> Iterator[FakeApiServer]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, code: int, obj: dict[str, Any]) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _not_found(self) -> None:
                self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                 "reason": "NotFound", "code": 404, "message": "not found"})

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                fake.requests.append(("GET", self.path))
                if path == "/version":
                    return self._send(200, fake.version)
                if path == "/api":
                    return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": []})
                if path == "/apis":
                    return self._send(200, fake._group_list())
                m = re.fullmatch(r"/api/(v1)|/apis/([^/]+/[^/]+)", path)
                if m:
                    gv = m.group(1) or m.group(2)
                    if gv not in RESOURCES:
                        return self._not_found()
                    return self._send(200, {
                        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                        "resources": [
                            {"name": plural, "singularName": kind.lower(), "namespaced": ns, "kind": kind,
                             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                            for kind, plural, ns in RESOURCES[gv]
                        ],
                    })
                m = _OBJ_PATH.match(path)
                if m and m.group("name"):
                    obj = fake._store.get((_gv_of(m), m.group("ns") or "", m.group("plural"), m.group("name")))
                    return self._send(200, obj) if obj else self._not_found()
                if m:  # list (Helm's release storage asks for its Secrets by label)
                    kind = next((k for k, p, _ in RESOURCES.get(_gv_of(m), []) if p == m.group("plural")), "")
                    return self._send(200, {"kind": f"{kind}List", "apiVersion": _gv_of(m),
                                            "metadata": {}, "items": []})
                return self._not_found()

            def _write(self, code: int) -> None:
                body = self._body()
                fake.requests.append((self.command, self.path))
                m = _OBJ_PATH.match(self.path.partition("?")[0])
                if not body.startswith(b"{"):
                    # Helm's release record (a Secret, protobuf-encoded): acknowledge, don't keep.
                    name = m.group("name") if m and m.group("name") else "release"
                    return self._send(code, {"kind": "Secret", "apiVersion": "v1",
                                             "metadata": {"name": name, "namespace": m.group("ns") if m else ""}})
                obj = json.loads(body)
                if self.command == "POST":
                    fake.created.append(obj)
                if m:
                    md = obj.get("metadata", {})
                    fake._store[(_gv_of(m), m.group("ns") or "", m.group("plural"), md.get("name", ""))] = obj
                self._send(code, obj)

            def do_POST(self) -> None:
                self._write(201)

            def do_PUT(self) -> None:
                self._write(200)

            def do_PATCH(self) -> None:
                self._write(200)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=self._server.serve_forever, name="fake-apiserver", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)
            self._server = None

    def _group_list(self) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for gv in RESOURCES:
            if "/" in gv:
                group, version = gv.split("/")
                groups.setdefault(group, []).append(version)
        return {
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                for g, vs in groups.items()
            ],
        }
