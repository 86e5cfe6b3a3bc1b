"""The levers panel: one control per lever, in the spirit of Mesa's ``model_params`` sliders.

Unlike SolaraViz's ``UserInputs``, whose sliders are set once from a fixed dict, these controls
are bound to one reactive ``Levers`` value, so that a preset can move every slider at once, and
the per-site controls follow the footprint on the page (its A&Es and hospitals). Each control
shows its current value and sits in an element with the class ``lever-NAME`` (``lever-beds-SITE``,
``lever-ae_open-SITE`` for per-site levers). Ranges are set around the footprint's configured
values; whether a combination can run is decided by config validation
(``viz.levers.scenario_config``), not here.
"""

from __future__ import annotations

from dataclasses import replace

import solara

from viz import messages
from viz.footprints import Footprint
from viz.levers import LABELS, Levers, levers_of

PANEL_STYLE = """
.lever { margin: 0 0 2px 0; }
.lever .lever-label { font-size: 13px; color: #425563; }
.lever .v-input { margin-top: 0; padding-top: 0; }
.lever .v-messages { min-height: 0; }
"""


def _set(levers: solara.Reactive[Levers], **changes) -> None:
    levers.set(replace(levers.value, **changes))


def _set_money(levers: solara.Reactive[Levers], **changes) -> None:
    levers.set(replace(levers.value, money=replace(levers.value.money, **changes)))


def set_ae_open(levers: solara.Reactive[Levers], site: str, is_open: bool) -> None:
    """Open or close a type 1 A&E: the lever behind the site's switch here and its button on the map."""
    levers.set(replace(levers.value, ae_open={**levers.value.ae_open, site: is_open}))


@solara.component
def Slider(key: str, label: str, value, on_value, low, high, step):
    """A labelled slider showing its value; integer when every bound is."""
    integer = all(isinstance(x, int) for x in (value, low, high, step))
    with solara.Column(classes=["lever", f"lever-{key}"], gap="0px"):
        solara.Text(label, classes=["lever-label"])
        slider = solara.SliderInt if integer else solara.SliderFloat
        slider("", value=value, min=low, max=high, step=step, on_value=on_value, thumb_label=False)


def _capacity_range(configured: int, times: float) -> tuple[int, int, int]:
    """0 to ``times`` the configured number, in steps of one: a coarser step would snap a
    configured or preset value (550 beds) to the step's grid and change the scenario unasked."""
    return 0, max(int(configured * times), 20), 1


@solara.component
def OutOfHospital(fp: Footprint, levers: solara.Reactive[Levers]):
    lv, base = levers.value, levers_of(fp.config)
    Slider("admission_diversion_share", f"{LABELS['admission_diversion_share']}: {lv.admission_diversion_share:.0%}",
           lv.admission_diversion_share, lambda v: _set(levers, admission_diversion_share=round(v, 2)), 0.0, 0.6, 0.01)
    for name, times in (("virtual_ward_beds", 4.0), ("intermediate_care_beds", 2.0), ("reablement_caseload", 2.0)):
        low, high, step = _capacity_range(getattr(base, name), times)
        Slider(name, f"{LABELS[name]}: {getattr(lv, name):,}", getattr(lv, name),
               lambda v, name=name: _set(levers, **{name: int(v)}), low, high, step)
    Slider("eligibility_threshold", f"{LABELS['eligibility_threshold']} (need score): {lv.eligibility_threshold:.2f}",
           lv.eligibility_threshold, lambda v: _set(levers, eligibility_threshold=round(v, 2)), 0.0, 0.9, 0.05)


@solara.component
def Hospitals(fp: Footprint, levers: solara.Reactive[Levers]):
    lv, base = levers.value, levers_of(fp.config)
    solara.Text("Type 1 A&Es (a closed A&E's patients go to the nearest open one)", classes=["lever-label"])
    for site, is_open in lv.ae_open.items():
        with solara.Column(classes=["lever", f"lever-ae_open-{site}"], gap="0px"):
            solara.Switch(label=f"{site.replace('_', ' ')}: A&E {'open' if is_open else 'closed'}", value=is_open,
                          on_value=lambda v, site=site: set_ae_open(levers, site, v))
    solara.Text("General and acute beds (no fewer than the ring-fenced elective beds)", classes=["lever-label"])
    for site, beds in lv.beds.items():
        low, high, step = _capacity_range(base.beds[site], 2.0)
        Slider(f"beds-{site}", f"{site.replace('_', ' ')}: {beds:,} beds "
                               f"({fp.config.sites[site].elective_beds} elective)",
               beds, lambda v, site=site: _set(levers, beds={**levers.value.beds, site: int(v)}), low, high, step)


@solara.component
def MoneyLevers(fp: Footprint, levers: solara.Reactive[Levers]):
    money = levers.value.money
    if money is None:
        messages.info("This footprint has no organisations (organisations: null), so no money: the allocation, "
                      "savings, redundancy and council budget levers do not apply.")
        return
    base = levers_of(fp.config).money
    per_head = int(round(base.allocation_per_head))
    Slider("allocation_per_head", f"{LABELS['allocation_per_head']}: GBP {money.allocation_per_head:,.0f} a year",
           int(round(money.allocation_per_head)), lambda v: _set_money(levers, allocation_per_head=float(v)),
           per_head * 3 // 4, per_head * 5 // 4, 1)
    for name, low, high in (("allocation_growth", -0.02, 0.08), ("cost_growth", -0.02, 0.08),
                            ("efficiency_asked", 0.0, 0.10), ("first_year_savings", 0.0, 0.10)):
        value = getattr(money, name)
        Slider(name, f"{LABELS[name]}: {value:.1%}", value,
               lambda v, name=name: _set_money(levers, **{name: round(v, 3)}), low, high, 0.001)
    with solara.Column(classes=["lever", "lever-redundancy_centrally_funded"], gap="0px"):
        solara.Switch(label=LABELS["redundancy_centrally_funded"], value=money.redundancy_centrally_funded,
                      on_value=lambda v: _set_money(levers, redundancy_centrally_funded=v))
    pounds = int(round(base.social_care_budget))
    Slider("social_care_budget", f"{LABELS['social_care_budget']}: GBP {money.social_care_budget / 1e6:,.1f} million "
                                 "a year", int(round(money.social_care_budget)),
           lambda v: _set_money(levers, social_care_budget=int(v)), pounds // 2, max(pounds * 3 // 2, 1_000_000), 1)
    Slider("council_budget_growth", f"{LABELS['council_budget_growth']}: {money.council_budget_growth:.1%}",
           money.council_budget_growth, lambda v: _set_money(levers, council_budget_growth=round(v, 3)),
           -0.05, 0.08, 0.005)


@solara.component
def LeverPanel(fp: Footprint, levers: solara.Reactive[Levers]):
    solara.Style(PANEL_STYLE)
    with solara.Card("Out of hospital and social care", margin=0):
        OutOfHospital(fp, levers)
    with solara.Card("A&Es and beds", margin=0):
        Hospitals(fp, levers)
    with solara.Card("Money", margin=0):
        MoneyLevers(fp, levers)
