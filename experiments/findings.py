"""Findings: the few answers that need domain logic rather than a KPI, registered by name.

An experiment file is data: it may list ``findings:`` by name, and only the names registered here
are accepted (anything else is refused naming the field, and no module is ever imported because a
file names it). A finding reads the experiment's configs (and, if it needs them, its results) and
returns lines for the report; it never decides the verdict, which comes from the questions alone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.config import Config
from sim.geography import Geography


def residents_farther_from_an_ae(configs: dict[str, Config], baseline: str) -> list[str]:
    """For each scenario: the residents whose nearest open type 1 A&E is farther by road than in
    the baseline, how many they are and by how much (road minutes from their locality's centre)."""
    lines = []
    base = configs[baseline]
    for scenario, cfg in configs.items():
        if scenario == baseline:
            continue
        people, total, moved = farther(base, cfg)
        if not moved:
            lines.append(f"{scenario}: no locality's nearest open type 1 A&E is farther than in {baseline}.")
            continue
        lines.append(f"{scenario}: {people:,} residents ({people / total:.0%} of the footprint) live farther from an open "
                     f"type 1 A&E than in {baseline}: " + "; ".join(moved[:8])
                     + (f"; and {len(moved) - 8} more localities" if len(moved) > 8 else "") + ".")
    return lines


def farther(base: Config, cfg: Config) -> tuple[int, int, list[str]]:
    """(people farther, everyone, ['brent_south 8.4 -> 21.9 min (central_middlesex -> st_marys)', ...])
    for the nearest open type 1 A&E of ``cfg`` against ``base`` (sites keep their places)."""
    geo = Geography(cfg)

    def nearest(c: Config) -> np.ndarray:
        is_open = np.array([bool(s.emergency_department and s.emergency_department.open) for s in c.sites.values()])
        return geo.nearest_table(is_open)

    before, after = nearest(base), nearest(cfg)
    sites = list(cfg.sites)
    moved, people, total = [], 0, 0
    for i, (name, loc) in enumerate(cfg.localities.items()):
        n = sum(loc.population.values())
        total += n
        b, a = geo.minutes[i, before[i]], geo.minutes[i, after[i]]
        if a > b + 1e-9:
            people += n
            moved.append((a - b, f"{name} {b:.1f} -> {a:.1f} min ({sites[before[i]]} -> {sites[after[i]]})"))
    return people, total, [text for _, text in sorted(moved, reverse=True)]


FINDINGS: dict[str, Callable[[dict[str, Config], str], list[str]]] = {
    "residents_farther_from_an_ae": residents_farther_from_an_ae,
}
