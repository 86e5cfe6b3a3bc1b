"""Shared fixtures: the runs of the baseline that some tests need, each made once per test session.

Tests of the services' rules use the small footprints of ``footprints.py``; the baseline (a
million people) is run only where what is tested is the baseline itself: its golden output
(``baseline_month``), and its calibration against published figures and its money
(``baseline_year``)."""

from __future__ import annotations

import sys
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


@pytest.fixture(scope="session")
def baseline_year() -> HealthSystem:
    """The baseline's full year, default seed (about 20 seconds)."""
    hs = health_system(load_config(BASELINE))
    hs.run()
    return hs


def pytest_terminal_summary(terminalreporter):
    """The explorer's timings, when its browser tests measured them (``tests/test_explorer.py``)."""
    module = sys.modules.get("test_explorer")
    lines = module.timing_lines() if module is not None and hasattr(module, "timing_lines") else []
    if lines:
        terminalreporter.section("explorer timings (also in tests/artifacts/explorer_timings.txt)")
        for line in lines:
            terminalreporter.write_line(line)
