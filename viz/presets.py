"""Scenario presets: lever settings that mirror the scenarios the experiments test, scaled to
whichever footprint is on the page.

- "Divert 40% of admissions to community care": ``experiments/forty_percent.yaml``,
  ``divert_40_*_funded``: 40% of decisions to admit go to virtual wards, and the virtual wards are
  funded to take them (550 beds where the baseline has 150, so today's beds x 550/150).
- "Close the smallest A&E": ``experiments/ae_closure.yaml``: the type 1 A&E with the fewest
  cubicles closes (in North West London that is Hammersmith, closed in September 2014); its urgent
  care centre and beds stay, and nothing else changes.
- "Efficiency squeeze": ``experiments/efficiency_squeeze.yaml``, whose base is
  ``configs/squeeze.yaml``: the money levers that file sets (allocation growth, cost growth,
  savings asked, first-year savings, redundancy unfunded, council budget frozen), read from it.
- "Social care budget cut 20%": ``experiments/social_care.yaml``, ``budget_cut_20``.

The last two need organisations and are not offered for a footprint without them.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import yaml

from viz.footprints import CONFIGS, Footprint
from viz.levers import FIELDS, Levers, Money, levers_of

AS_CONFIGURED = "As configured"
FORTY_PERCENT_VIRTUAL_WARD_SCALE = 550 / 150  # forty_percent: 150 virtual ward beds funded to 550
SQUEEZE = CONFIGS / "squeeze.yaml"


def divert_forty_percent(levers: Levers) -> Levers:
    return replace(levers, admission_diversion_share=0.40,
                   virtual_ward_beds=round(levers.virtual_ward_beds * FORTY_PERCENT_VIRTUAL_WARD_SCALE))


def close_smallest_ae(levers: Levers, fp: Footprint) -> tuple[str, Levers]:
    sites = fp.config.sites
    smallest = min(levers.ae_open, key=lambda s: (sites[s].emergency_department.cubicles, s))
    return smallest, replace(levers, ae_open={**levers.ae_open, smallest: False})


def squeeze(levers: Levers, squeeze_file: Path = SQUEEZE) -> Levers:
    """The money levers ``configs/squeeze.yaml`` itself sets (not those it inherits)."""
    own = yaml.safe_load(squeeze_file.read_text(encoding="utf-8")) or {}
    values = {}
    for m in fields(Money):
        node = own
        for part in FIELDS[m.name].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            values[m.name] = node
    return replace(levers, money=replace(levers.money, **values))


def social_care_cut(levers: Levers, cut: float = 0.20) -> Levers:
    money = levers.money
    return replace(levers, money=replace(money, social_care_budget=round(money.social_care_budget * (1 - cut))))


def presets(fp: Footprint) -> dict[str, Levers]:
    """Preset name -> levers, for this footprint."""
    base = levers_of(fp.config)
    out = {AS_CONFIGURED: base, "Divert 40% of admissions to community care": divert_forty_percent(base)}
    if len(base.ae_open) > 1:
        site, closed = close_smallest_ae(base, fp)
        out[f"Close the smallest A&E ({site})"] = closed
    if base.money is not None:
        out["Efficiency squeeze (configs/squeeze.yaml)"] = squeeze(base)
        out["Social care budget cut 20%"] = social_care_cut(base)
    return out
