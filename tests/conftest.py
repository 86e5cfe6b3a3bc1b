"""Shared fixtures: short runs of the baseline, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import health_system
from sim.config import load_config
from sim.model import HealthSystem

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.yaml"


def run(overrides: dict | None = None, months: int = 1, seed: int | None = None) -> HealthSystem:
    """Run the baseline (patched by ``overrides``) for ``months`` reported months."""
    cfg = load_config(BASELINE, overrides)
    hs = health_system(cfg, seed=seed, months=months)
    hs.run()
    return hs


@pytest.fixture(scope="session")
def baseline_month() -> HealthSystem:
    """One reported month (after the warm-up) of the baseline, default seed."""
    return run()
