"""``icsim calibrate CONFIG``: replications of a footprint against the published figures it carries."""

from __future__ import annotations

from rich.console import Console

from icsim import calibrate
from icsim.commands.common import EXIT_BAD_INPUT, load


def main(args, out: Console, err: Console) -> int:
    """Replications of a footprint against the published figures it carries (``icsim.calibrate``)."""
    cfg = load(args.config, err)
    if cfg is None:
        return EXIT_BAD_INPUT
    return calibrate.command(cfg, args, out, err)
