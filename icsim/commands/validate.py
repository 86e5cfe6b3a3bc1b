"""``icsim validate CONFIG``: check a config and say what it describes and what a run needs."""

from __future__ import annotations

from rich.console import Console

from icsim.commands.common import EXIT_BAD_INPUT, feasible, load


def main(args, out: Console, err: Console) -> int:
    cfg = load(args.config, err)
    if cfg is None:
        return EXIT_BAD_INPUT
    need = feasible(cfg, args.config, err)
    if need is None:
        return EXIT_BAD_INPUT
    eds = sum(1 for s in cfg.sites.values() if s.emergency_department)
    beds = sum(s.beds for s in cfg.sites.values())
    out.print(f"ok: {cfg.name}: {cfg.population:,} people in {len(cfg.localities)} localities, "
              f"{len(cfg.sites)} sites ({eds} type 1 A&Es, {beds:,} acute beds), "
              f"{cfg.run.months} months from {cfg.run.start_date}; a run needs {need.describe()}", highlight=False)
    return 0
