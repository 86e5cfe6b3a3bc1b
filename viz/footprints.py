"""The footprints the explorer offers: the config it was started with, and every config in
``configs/`` that describes a place of its own.

A footprint is a config file that defines its own ``localities`` and ``sites`` (``baseline.yaml``,
``nw_london.yaml``), as opposed to the national defaults (``england.yaml``, no places) or a
scenario of another footprint (``squeeze.yaml``, which extends the baseline and changes only
money: it is offered as a preset instead, see ``viz/presets.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.config import Config, ConfigError, load_raw, validate

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@dataclass(frozen=True, eq=False)
class Footprint:
    """A config file, its plain data (``extends`` applied) and its validated config."""

    path: Path
    raw: dict
    config: Config

    @property
    def label(self) -> str:
        return f"{self.config.name} ({self.path.name})"

    @property
    def has_organisations(self) -> bool:
        return self.config.organisations is not None


def load(path: str | Path) -> Footprint:
    """Read and validate a config; raises ``ConfigError`` naming each bad field."""
    path = Path(path).resolve()
    raw = load_raw(path)
    return Footprint(path, raw, validate(raw, str(path)))


def _defines_places(path: Path) -> bool:
    try:
        own = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(own, dict) and "localities" in own and "sites" in own


def footprints(first: str | Path) -> list[Footprint]:
    """The config the explorer was started with (first), then the footprints in ``configs/``.
    ``first`` must be valid (the command line checked it); a shipped config that does not
    validate is left out rather than stopping the page."""
    chosen = load(first)
    out = [chosen]
    for path in sorted(CONFIGS.glob("*.yaml")):
        if path.resolve() == chosen.path or not _defines_places(path):
            continue
        try:
            out.append(load(path))
        except ConfigError:
            continue
    return out
