"""Fixtures for the chart tests: the Helm engine is fetched into .tools/ on first use."""

from __future__ import annotations

from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def helm_engine() -> ModuleType:
    import helm_engine

    try:
        return helm_engine.ensure_engine()
    except helm_engine.EngineUnavailable as exc:  # a missing engine is a failure, not a skip
        pytest.fail(f"Helm engine unavailable: {exc}")
