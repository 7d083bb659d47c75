"""The real Helm engine (helm-sdkpy: Helm v4 as a shared library), fetched on first use.

helm-sdkpy declares Python >= 3.12 but its cffi wrapper works on 3.11, so it is not a
pip dependency: the wheel is downloaded once into ``.tools/`` (gitignored) with
``pip download --python-version 3.12`` and put on ``sys.path``. ``cffi`` comes from the
``dev`` extra.

* :func:`lint` runs ``helm lint`` on a chart directory (its own values.yaml).
* :func:`render` runs a real ``helm install`` against :class:`FakeApiServer` and returns the
  manifest Helm rendered, the objects it sent, and the NOTES.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from fake_apiserver import FakeApiServer

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "repwatch"
HELM_SDKPY_VERSION = "0.1.32"
TOOLS_DIR = REPO / ".tools" / f"helm-sdkpy-{HELM_SDKPY_VERSION}"

SEVERITY_ERROR = 3  # helm's support.ErrorSev


class EngineUnavailable(RuntimeError):
    pass


def ensure_engine() -> ModuleType:
    """Download/unpack helm-sdkpy into .tools/ if needed and import it."""
    marker = TOOLS_DIR / "helm_sdkpy" / "__init__.py"
    if not marker.exists():
        TOOLS_DIR.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=TOOLS_DIR.parent) as tmp:
            cmd = [
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                "--python-version", "3.12", "--only-binary=:all:", "--dest", tmp,
                f"helm-sdkpy=={HELM_SDKPY_VERSION}",
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            wheels = list(Path(tmp).glob("helm_sdkpy-*.whl"))
            if proc.returncode != 0 or not wheels:
                raise EngineUnavailable(f"pip download helm-sdkpy failed:\n{proc.stdout}\n{proc.stderr}")
            unpacked = Path(tmp) / "site"
            with zipfile.ZipFile(wheels[0]) as zf:
                zf.extractall(unpacked)
            try:
                os.rename(unpacked, TOOLS_DIR)  # atomic: a concurrent run may have won
            except OSError:
                if not marker.exists():
                    raise
    if str(TOOLS_DIR) not in sys.path:
        sys.path.insert(0, str(TOOLS_DIR))
    try:
        importlib.import_module("cffi")
    except ImportError as exc:
        raise EngineUnavailable("cffi is missing: pip install -e '.[dev]'") from exc
    return importlib.import_module("helm_sdkpy")


@dataclass
class LintResult:
    raw: dict[str, Any]

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Error messages. Helm's error text arrives empty through helm-sdkpy: use the paths."""
        return [m for m in self.raw.get("Messages") or [] if m.get("Severity", 0) >= SEVERITY_ERROR]

    @property
    def error_paths(self) -> list[str]:
        return sorted({m.get("Path", "") for m in self.errors})


def lint(chart_dir: Path) -> LintResult:
    helm = ensure_engine()
    result = asyncio.run(helm.Lint(helm.Configuration()).run(str(chart_dir)))
    return LintResult(result)


def chart_copy(dest: Path, values_override: dict[str, Any] | None = None,
               files: dict[str, str] | None = None) -> Path:
    """Copy the chart (symlinks resolved) to ``dest``; merge ``values_override`` into values.yaml
    and replace/add ``files`` (relative path -> text). Used to lint values combinations,
    since helm-sdkpy's lint takes no values."""
    target = dest / "repwatch"
    shutil.copytree(CHART, target, symlinks=False)
    if values_override:
        values = yaml.safe_load((target / "values.yaml").read_text())
        (target / "values.yaml").write_text(yaml.safe_dump(deep_merge(values, values_override), sort_keys=False))
    for rel, text in (files or {}).items():
        path = target / rel
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return target


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def package(chart_dir: Path, dest: Path) -> Path:
    """``helm package``: returns the .tgz path."""
    helm = ensure_engine()
    return Path(asyncio.run(helm.Package(helm.Configuration()).run(str(chart_dir), str(dest))))


@dataclass
class Rendered:
    release: dict[str, Any]
    created: list[dict[str, Any]]
    manifests: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def notes(self) -> str:
        return self.release.get("info", {}).get("notes", "")

    def all_objects(self) -> list[dict[str, Any]]:
        return self.manifests + self.hooks

    def get(self, kind: str, name: str | None = None) -> dict[str, Any]:
        found = self.all(kind)
        if name is not None:
            found = [o for o in found if o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name or ''}, got {[o['metadata']['name'] for o in found]}"
        return found[0]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.all_objects() if o.get("kind") == kind]

    def kinds(self) -> list[str]:
        return sorted(o["kind"] for o in self.manifests)


class InstallFailed(AssertionError):
    pass


def render(values: dict[str, Any] | None = None, *, chart_dir: Path = CHART, release: str = "rw",
           namespace: str = "repwatch", seed: list[dict[str, Any]] | None = None,
           kube_version: str = "1.31.0") -> Rendered:
    """``helm install`` of the chart with ``values`` into a fake API server; returns what Helm rendered."""
    helm = ensure_engine()
    fake = FakeApiServer(seed=seed, kube_version=kube_version)
    with fake.running():
        config = helm.Configuration(namespace=namespace, kubeconfig=fake.kubeconfig(namespace))
        try:
            result = asyncio.run(helm.Install(config).run(
                release, str(chart_dir), values=values or {}, wait=False, timeout=60,
            ))
        except helm.HelmError as exc:
            raise InstallFailed(str(exc)) from exc
    manifests = [d for d in yaml.safe_load_all(result.get("manifest", "")) if d]
    hooks = [yaml.safe_load(h["manifest"]) for h in result.get("hooks") or []]
    return Rendered(release=result, created=fake.created, manifests=manifests, hooks=hooks)
