"""What every command shares: exit codes, reading a config or refusing it, the run-size check."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from sim import resources
from sim.config import Config, ConfigError, load_config

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
# The explorer's footprint when none is named: the shipped baseline, wherever icsim is run from.
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "baseline.yaml"
MAX_MONTHS = 240


def refuse(err: Console, exc: ConfigError, what: str) -> int:
    """Say why a config, experiment or sweep cannot be used, one problem a line; the exit code."""
    err.print(f"[bold red]error:[/] {escape(exc.source)}: the {what} cannot be used", highlight=False)
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, highlight=False)
    return EXIT_BAD_INPUT


def load(path: str, err: Console) -> Config | None:
    """The config at ``path``, or None having said why it cannot be used."""
    try:
        return load_config(path)
    except ConfigError as exc:
        refuse(err, exc, "config")
        return None


def feasible(cfg: Config, source: str, err: Console, months: int | None = None) -> resources.RunNeeds | None:
    """What a run of ``cfg`` needs, or None (having said why) if it cannot run on this machine."""
    try:
        return resources.check(cfg, source, months)
    except ConfigError as exc:
        refuse(err, exc, "config")
        return None
