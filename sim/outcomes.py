"""What happens to patients: death within 30 days and harm in hospital, decided per patient.

Each patient who reaches A&E (or is admitted by their GP) has a 30-day risk of death with no
delay: by age band, frailty, triage category and whether they were admitted; for an admitted
patient with a time-critical condition (STEMI, stroke, sepsis, major trauma), the condition's own
risk. What happened to them multiplies it, by published effect sizes (``outcomes:`` in the config,
each carried with its citation in ``sim/reference/england.yaml``):

- admitted patients: the standardised mortality ratio of their band of hours from arrival to
  leaving A&E for a bed (Jones et al. 2022), over that of the first band (up to 4 hours);
- patients sent home from a type 1 A&E: the odds ratio of their hours in A&E against 2 hours
  (ONS 2025);
- a time-critical condition: the condition's ratio per minute of delay from the 999 call (or
  arrival) to being seen by a clinician (STEMI, sepsis, stroke), or of the journey to hospital
  (major trauma, whose evidence is by distance); the A&E effects above are not applied on top, as
  they measure the same time;
- care on a virtual ward: the hospital-at-home risk ratio (suitable or unsuitable patients);

and the deaths from infections caught in hospital are added: per delayed night in an acute bed
(older patients) and per move between hospitals. The same patient on the same routes with no
waiting gives the risk without delay; ``u_death`` (one uniform per patient, the same in every
scenario) decides both, so "would this patient have died without the wait" is exact.

Deaths end the journey: a patient who dies in hospital (the ``in_hospital_share`` of their risk)
leaves the bed at the end of their clinical stay, or at the end of their delay; one who dies after
leaving is flagged and is not readmitted. Who died is taken out of their population cell, so that
later arrivals from it are thinned (``population``).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from typing import TYPE_CHECKING

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.outcomes import AGE_BANDS, CONDITIONS, OutcomesConfig
from sim.journeys import End

if TYPE_CHECKING:
    from sim.config.system import Config
    from sim.journeys import JourneyLog
    from sim.needs import Need
    from sim.population import Cells
    from sim.routing import Router

THIRTY_DAYS = 30 * MINUTES_PER_DAY


def apply_ratio(p: float, ratio: float, scale: str) -> float:
    """A risk ``p`` times a risk ratio (capped at 1), or with its odds times an odds ratio."""
    if scale == "odds":
        return p * ratio / (1.0 - p + p * ratio) if p < 1.0 else 1.0
    return min(p * ratio, 1.0)


class RiskModel:
    """The 30-day risk of death of a patient, from who they are and what happened to them.

    Pure arithmetic on the config (no state), so that it can be tested on its own: the risk of a
    patient with no delay is the baseline, and it never falls when any delay grows."""

    def __init__(self, cfg: OutcomesConfig):
        self.cfg = cfg
        self.base = {True: [cfg.risk_admitted[b] for b in AGE_BANDS],
                     False: [cfg.risk_not_admitted[b] for b in AGE_BANDS]}
        self.acuity = {a: r for a, r in cfg.acuity_risk_ratio.items()}
        self.conditions = [cfg.conditions.get(name) for name in CONDITIONS]
        self.jones_edges = list(cfg.admitted_ae_hours)
        self.jones = [r / cfg.admitted_ae_ratio[0] for r in cfg.admitted_ae_ratio]
        self.ons_hours = [float(h) for h in cfg.not_admitted_ae_hours]
        self.ons = [r / cfg.not_admitted_ae_odds_ratio[0] for r in cfg.not_admitted_ae_odds_ratio]
        inf = cfg.inpatient_infection_risk
        self.transfer_infection = apply_ratio(inf, cfg.transfer_infection_odds_ratio, "odds") - inf
        self.night_death = cfg.delayed_night_infection * cfg.infection_death
        # read once per run (the config does not change while it runs), not once per patient
        self.frail_ratio = cfg.frail_risk_ratio
        self.transfer_death = (self.transfer_infection, cfg.infection_death)
        self.nights_any_age = not cfg.older_only_nights
        self.virtual_ward_ratio = (cfg.virtual_ward_ratio_unsuitable, cfg.virtual_ward_ratio_suitable)

    def baseline(self, age: int, frail: bool, acuity: int, admitted: bool, condition: int = 0) -> float:
        """Risk with no delay: the condition's own, or the age band's x frailty x triage category."""
        if condition:
            return self.conditions[condition - 1].risk
        p = self.base[admitted][age] * self.acuity[acuity]
        if frail:
            p *= self.frail_ratio
        return min(p, 1.0)

    def admitted_ratio(self, hours: float) -> float:
        """Risk ratio of an admitted patient's hours from arrival to leaving A&E (first band = 1)."""
        return self.jones[bisect_left(self.jones_edges, hours)]

    def not_admitted_odds_ratio(self, hours: float) -> float:
        """Odds ratio of a patient sent home after ``hours`` in A&E (first point = 1; linear between,
        flat outside)."""
        xs, ys = self.ons_hours, self.ons
        if hours <= xs[0]:
            return ys[0]
        if hours >= xs[-1]:
            return ys[-1]
        k = bisect_left(xs, hours)
        x0, x1 = xs[k - 1], xs[k]
        return ys[k - 1] + (ys[k] - ys[k - 1]) * (hours - x0) / (x1 - x0)

    def condition_risk(self, p: float, condition: int, minutes: float) -> float:
        c = self.conditions[condition - 1]
        treated = apply_ratio(p, c.ratio ** (max(minutes, 0.0) / c.per_minutes), c.scale)
        return p + c.treated_share * (treated - p)

    def risk(self, age: int, frail: bool, acuity: int, admitted: bool, condition: int = 0,
             ae_hours: float | None = None, type1: bool = True, condition_minutes: float | None = None,
             virtual_ward: bool | None = None, nights: float = 0.0, old: bool = True,
             transfers: int = 0) -> float:
        """The 30-day risk of death given what happened (every delay ``None`` or 0: the baseline).

        ``virtual_ward`` is None for hospital care, else whether the patient was suitable for care
        at home; ``nights`` are nights in an acute bed after being medically fit."""
        return self.delayed(self.baseline(age, frail, acuity, admitted, condition), admitted, condition, ae_hours,
                            type1, condition_minutes, virtual_ward, nights, old, transfers)

    def delayed(self, p: float, admitted: bool, condition: int, ae_hours: float | None, type1: bool,
                condition_minutes: float | None, virtual_ward: bool | None, nights: float, old: bool,
                transfers: int) -> float:
        """``risk`` from the patient's risk with no delay ``p`` (``baseline``), every argument given
        in order: the baseline does not depend on what happened, so a patient's risk as things
        happened and with no waiting share it."""
        if condition:
            if condition_minutes is not None:
                p = self.condition_risk(p, condition, condition_minutes)
        elif ae_hours is not None:
            if admitted:
                p = apply_ratio(p, self.admitted_ratio(ae_hours), "risk")
            elif type1:
                p = apply_ratio(p, self.not_admitted_odds_ratio(ae_hours), "odds")
        if virtual_ward is not None:
            p = apply_ratio(p, self.virtual_ward_ratio[bool(virtual_ward)], "risk")
        if transfers:
            infection, death = self.transfer_death
            extra = transfers * infection * death
        else:
            extra = 0.0  # what no moves add (0 x a finite risk)
        if nights > 0 and (old or self.nights_any_age):
            extra += nights * self.night_death
        return min(p + extra, 1.0)

    def harm_risk(self, nights: float, old: bool, transfers: int) -> float:
        """Risk of at least one hospital-acquired harm from delayed nights and moves between hospitals."""
        cfg = self.cfg
        n = nights if nights > 0 and (old or not cfg.older_only_nights) else 0.0
        return 1.0 - (1.0 - cfg.delayed_night_harm) ** n * (1.0 - self.transfer_infection) ** transfers


class Outcomes:
    """Decides, at the points where a journey can end, whether the patient died, and records it.

    ``enabled`` false: nothing is decided, nobody dies (the model runs exactly as without it)."""

    def __init__(self, env, config: Config, log: JourneyLog, router: Router, cells: Cells):
        self.env, self.log, self.router, self.cells = env, log, router, cells
        self.cfg = config.outcomes
        self.enabled = self.cfg.enabled
        self.model = RiskModel(self.cfg)
        self.speedup = config.ambulance.blue_light_speedup
        self.deaths = 0
        self.in_hospital_deaths = 0

    # --- what happened to the patient ----------------------------------------------------------

    # Columns are read with ``.item()``: a Python number (exactly the stored one), not a numpy
    # scalar, whose arithmetic is several times slower and gives the same IEEE results.

    def _ae_hours(self, n: Need) -> tuple[float | None, float | None]:
        """Hours from arrival to leaving a type 1 A&E, and the same with no waiting."""
        log, pid = self.log, n.pid
        if log.ed_site.item(pid) < 0:
            return None, None
        arrived, left = log.t_ed_arrival.item(pid), log.t_ed_departure.item(pid)
        if arrived != arrived or left != left:  # NaN: not arrived or not left
            return None, None
        actual = (left - arrived) / MINUTES_PER_HOUR
        conveyed = log.conveyance_minutes.item(pid)
        intake = n.d_triage if conveyed != conveyed else n.d_handover
        no_wait = (intake + n.d_assess + n.d_results) / MINUTES_PER_HOUR
        return actual, min(no_wait, actual)

    def _condition_minutes(self, n: Need, condition: int) -> tuple[float | None, float | None]:
        """Minutes of the delay a condition's effect applies to, and the same with no waiting."""
        log, pid = self.log, n.pid
        conveyed = log.conveyance_minutes.item(pid)
        by_ambulance = not math.isnan(conveyed)
        travel = conveyed if by_ambulance else log.travel_minutes.item(pid)
        travel = 0.0 if math.isnan(travel) else travel
        if self.model.conditions[condition - 1].delay == "travel":
            return travel, travel
        seen = log.t_seen.item(pid)
        if math.isnan(seen):
            return None, None
        if by_ambulance:
            actual = seen - log.t_arrival.item(pid)
            no_wait = (n.d_mobilise + self.router.station_minutes[n.locality] / self.speedup + n.d_scene
                       + n.d_on_scene + travel + n.d_handover)
        else:
            actual = seen - log.t_arrival.item(pid) + travel
            no_wait = travel + n.d_triage
        return actual, min(no_wait, actual)

    def risks(self, n: Need, admitted: bool, virtual_ward: bool | None = None,
              nights: tuple[float, float] = (0.0, 0.0), transfers: int = 0) -> tuple[float, float]:
        """The patient's 30-day risk of death as things happened, and with no waiting."""
        m, log, pid = self.model, self.log, n.pid
        condition = n.condition if admitted else 0
        type1 = log.ed_site.item(pid) >= 0
        hours, hours0 = self._ae_hours(n)
        minutes, minutes0 = self._condition_minutes(n, condition) if condition else (None, None)
        p = m.baseline(log.age_band.item(pid), n.frail, n.acuity, admitted, condition)
        old = n.old
        actual = m.delayed(p, admitted, condition, hours, type1, minutes, virtual_ward, nights[0], old, transfers)
        if hours0 == hours and minutes0 == minutes and nights[1] == nights[0] and not transfers:
            return actual, actual  # nothing was waited for
        return actual, m.delayed(p, admitted, condition, hours0, type1, minutes0, virtual_ward, nights[1], old, 0)

    def sent_home_risks(self, n: Need) -> tuple[float, float]:
        """``risks(n, admitted=False)`` for a patient sent home from A&E or an urgent care centre
        (half a million a year), without what only an admission can add: no condition, virtual
        ward, nights or moves, so only the hours at a type 1 A&E are looked up."""
        m = self.model
        p = m.baseline(self.log.age_band.item(n.pid), n.frail, n.acuity, False)
        hours, hours0 = self._ae_hours(n)  # None unless at a type 1 A&E
        actual = m.delayed(p, False, 0, hours, True, None, None, 0.0, n.old, 0)
        if hours0 == hours:
            return actual, actual  # nothing was waited for
        return actual, m.delayed(p, False, 0, hours0, True, None, None, 0.0, n.old, 0)

    # --- decisions ------------------------------------------------------------------------------

    def _record(self, n: Need, risk: float, risk0: float) -> None:
        log, pid = self.log, n.pid
        log.condition[pid] = n.condition
        log.death_risk[pid] = risk
        log.death_risk_no_delay[pid] = risk0

    def _died(self, n: Need, at: float, risk0: float, in_care: bool) -> None:
        log, pid = self.log, n.pid
        log.died[pid] = True
        log.t_death[pid] = at
        from_delay = n.u_death >= risk0
        log.died_from_delay[pid] = from_delay
        self.deaths += 1
        self.in_hospital_deaths += in_care
        population = self.cfg.population
        if population == "all" or (population == "excess" and from_delay):
            self.cells.dead[n.cell] += 1

    def _after_leaving(self, n: Need, risk: float, share_in_care: float) -> float:
        """Time of death of a patient who dies after leaving (within 30 days of leaving): the
        position of their uniform within the part of their risk that falls after leaving."""
        low = share_in_care * risk
        frac = (n.u_death - low) / (risk - low) if risk > low else 0.0
        return self.env._now + min(max(frac, 0.0), 1.0) * THIRTY_DAYS

    def left_ae(self, n: Need) -> None:
        """A patient sent home from A&E or an urgent care centre: did they die within 30 days?"""
        if not self.enabled:
            return
        risk, risk0 = self.sent_home_risks(n)
        self._record(n, risk, risk0)
        if n.u_death < risk:
            self._died(n, self._after_leaving(n, risk, 0.0), risk0, in_care=False)

    def end_of_stay(self, n: Need, transfers: int = 0) -> bool:
        """At the end of the clinical stay in hospital: True if the patient died there."""
        if not self.enabled:
            return False
        risk, risk0 = self.risks(n, admitted=True, transfers=transfers)
        self._record(n, risk, risk0)
        if n.u_death < self.cfg.in_hospital_share * risk:
            self._died(n, self.env._now, risk0, in_care=True)
            self.log.finish(n.pid, End.DIED_IN_HOSPITAL, self.env._now)
            return True
        return False

    def leaving_hospital(self, n: Need, nights: tuple[float, float], transfers: int = 0) -> str | None:
        """When a patient who survived their clinical stay leaves the bed, after ``nights`` delayed
        (and the nights they would have been delayed with no waiting): "in_hospital" if they died
        during the delay, "after" if they die within 30 days of leaving, None if they live."""
        if not self.enabled:
            return None
        log, pid = self.log, n.pid
        risk, risk0 = self.risks(n, admitted=True, nights=nights, transfers=transfers)
        self._record(n, risk, risk0)
        harm = self.model.harm_risk(nights[0], n.old, transfers)
        log.harm_risk[pid] = harm
        log.harm[pid] = n.u_harm < harm
        if n.u_death < self.cfg.in_hospital_share * risk:
            self._died(n, self.env._now, risk0, in_care=True)
            return "in_hospital"
        if n.u_death < risk:
            self._died(n, self._after_leaving(n, risk, self.cfg.in_hospital_share), risk0, in_care=False)
            return "after"
        return None

    def virtual_ward_end(self, n: Need) -> str | None:
        """At the end of a virtual ward stay: "in_care" if the patient died on the virtual ward,
        "after" if within 30 days of leaving it, None if they live."""
        if not self.enabled:
            return None
        risk, risk0 = self.risks(n, admitted=True, virtual_ward=bool(n.suitable))
        self._record(n, risk, risk0)
        if n.u_death < self.cfg.in_hospital_share * risk:
            self._died(n, self.env._now, risk0, in_care=True)
            return "in_care"
        if n.u_death < risk:
            self._died(n, self._after_leaving(n, risk, self.cfg.in_hospital_share), risk0, in_care=False)
            return "after"
        return None

    def harm_so_far(self, n: Need, transfers: int) -> None:
        """Harm from a move between hospitals of a patient who died before leaving."""
        if self.enabled and transfers:
            harm = self.model.harm_risk(0.0, n.old, transfers)
            self.log.harm_risk[n.pid] = harm
            self.log.harm[n.pid] = n.u_harm < harm


def condition_code(name: str) -> int:
    """The journey table's code of a condition group (0 is none)."""
    return CONDITIONS.index(name) + 1
