"""What each arriving patient needs, drawn once at arrival, in batches, from the arrival's own stream.

Every random attribute of a journey (triage category, whether they will be admitted, length of
stay, discharge pathway, whether they could safely have been cared for out of hospital, whether
they will be readmitted) is drawn here, vectorised over a batch of arrivals (a day's 999 calls,
say), from the stream of the kind of arrival. The flows then only queue. Two consequences:

- common random numbers: the same patient has the same needs in every scenario, so a scenario
  that adds beds or closes an A&E is compared on identical patients;
- speed: one numpy call per attribute per batch instead of one Python call per patient.

Each need is declared once, below, with ``@need``: its name, what it means, the uniform it is
drawn from and how. The ``Need`` record, the order of its fields, the check that no two needs
share a uniform by accident, and the table of needs in ``docs/odd.md`` (``needs_table``) all come
from those declarations, so adding a need is one declaration (and its use in a flow).

Uniforms: each batch draws a block of 32 uniforms per patient and then a block of 8, in that
order, from its stream; a need's ``column`` numbers them 0-39 across the blocks. A new need takes
a column no other need uses (the next free one is ``free_columns()[0]``), so that adding it never
shifts another need's draws; when the columns run out, a new block is appended after the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.outcomes import CONDITIONS
from sim.config.system import ACUITIES, PATHWAYS, Config
from sim.journeys import MENTAL_HEALTH_ENTRIES, Entry, JourneyLog
from sim.population import Cells

# Ambulance call outcomes
HEAR_AND_TREAT, SEE_AND_TREAT, CONVEY = 0, 1, 2
# Uniforms drawn per patient, block by block (never change a block; append a new one)
UNIFORM_BLOCKS = (32, 8)
CATEGORIES = np.asarray([1, 2, 3, 4])
# The uniform that decides whether an arrival from a population cell is someone who has died
# (``u_alive``): read before the journey is created, so the dead never get one.
ALIVE_COLUMN = 36
# 999 calls: about a crisis of physical or of mental health
_CALLS = (Entry.AMBULANCE_CALL, Entry.MENTAL_HEALTH_CALL)


@dataclass(frozen=True)
class NeedSpec:
    """One declared need: its name, meaning, Python type, uniform column and how it is drawn."""

    name: str
    meaning: str
    type: type
    column: int | None  # the uniform it is drawn from (None: not random, or drawn from others)
    draw: Callable  # (batch, uniforms of its column or None) -> values for the batch
    same_uniform_as: str | None = None  # a need that deliberately shares this one's uniform


NEEDS: list[NeedSpec] = []


def need(name: str, meaning: str, type: type = float, column: int | None = None, same_uniform_as: str | None = None):
    """Declare a need (used as a decorator on the function that draws it for a batch)."""
    def declare(draw: Callable) -> Callable:
        NEEDS.append(NeedSpec(name, meaning, type, column, draw, same_uniform_as))
        return draw
    return declare


class Batch:
    """A batch of arrivals being given their needs: the needs drawn so far are its attributes."""

    def __init__(self, maker: NeedMaker, ids: np.ndarray, t: np.ndarray, cell: np.ndarray, entry: Entry,
                 forced_admit: bool, los_multiplier: float, previous: np.ndarray | None = None):
        self.maker, self.cfg, self.ids, self.t, self.cell = maker, maker.cfg, ids, t, cell
        self.entry, self.forced_admit, self.los_multiplier = entry, forced_admit, los_multiplier
        self.previous = previous  # the journeys these are returns from (None: new arrivals)


def _cdf(keys, shares: dict) -> np.ndarray:
    """Cumulative shares of ``keys`` in order (the steps of a categorical's CDF)."""
    return np.cumsum([shares[k] for k in keys])


def _index_by_cdf(u: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """Map uniforms to the index of their key by cumulative shares (inverse CDF of a categorical)."""
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _per_value(values: np.ndarray, dists: dict, u: np.ndarray) -> np.ndarray:
    """Duration from a distribution chosen by ``values`` (e.g. assessment time by acuity)."""
    out = np.empty(len(u))
    for key, dist in dists.items():
        mask = values == key
        if mask.any():
            out[mask] = dist.ppf(u[mask])
    return out


# --- the needs, in the order of the record's fields ------------------------------------------------

@need("pid", "row of the journey in the journey log", int)
def _pid(b, _u):
    return b.ids


@need("cell", "population cell (locality x age band x frailty)", int)
def _cell(b, _u):
    return b.cell


@need("locality", "locality the patient lives in", int)
def _locality(b, _u):
    return b.maker.cells.locality[b.cell]


@need("old", "aged 65 or over", bool)
def _old(b, _u):
    return b.maker.cells.age[b.cell] >= 2


@need("frail", "living with frailty", bool)
def _frail(b, _u):
    return b.maker.cells.frail[b.cell]


@need("category", "ambulance call category 1-4 (used for 999 calls and deteriorations)", int, column=0)
def _category(b, u):
    return CATEGORIES[_index_by_cdf(u, b.maker.category_cdf)]


@need("outcome", "999 call outcome: hear and treat, see and treat, or convey", int, column=1)
def _outcome(b, u):
    amb = b.cfg.ambulance
    return np.where(u < amb.hear_and_treat_share, HEAR_AND_TREAT,
                    np.where(u < amb.hear_and_treat_share + amb.see_and_treat_share, SEE_AND_TREAT, CONVEY))


@need("mental_health", "a mental health crisis (sim.mental_health): triaged at `mental_health.acuity`, never "
                       "admitted to an acute bed nor handed to urgent community response", bool)
def _mental_health(b, _u):
    return np.full(len(b.t), b.entry in MENTAL_HEALTH_ENTRIES)


@need("acuity", "triage category 1 (most urgent) to 5; capped at 2 for readmissions and deteriorations; "
                "`mental_health.acuity` for a mental health crisis", int, column=2)
def _acuity(b, u):
    m = b.maker
    cdf = m.acuity_cdf_ambulance if b.entry in _CALLS else m.acuity_cdf_self
    acuity = m.acuities[_index_by_cdf(u, cdf)]
    if b.entry in (Entry.READMISSION, Entry.DETERIORATED):
        acuity = np.minimum(acuity, 2)
    if b.entry in MENTAL_HEALTH_ENTRIES:
        acuity = np.full(len(u), b.cfg.mental_health.acuity)
    return acuity


@need("d_triage", "A&E triage (minutes)", column=4)
def _d_triage(b, u):
    return b.cfg.ae.triage_minutes.ppf(u)


@need("d_assess", "clinician assessment at a type 1 A&E, by acuity (minutes)", column=5)
def _d_assess(b, u):
    return _per_value(b.acuity, b.cfg.ae.assessment_minutes, u)


@need("d_results", "waiting for tests, results and specialist review before the decision, by acuity (minutes)",
      column=30)
def _d_results(b, u):
    return _per_value(b.acuity, b.cfg.ae.results_minutes, u)


@need("d_assess_ucc", "assessment at an urgent care centre (minutes)", column=5, same_uniform_as="d_assess")
def _d_assess_ucc(b, u):
    return b.cfg.ae.ucc_assessment_minutes.ppf(u)


@need("ucc_transfer", "an urgent care centre patient who will be sent on to a type 1 A&E", bool, column=6)
def _ucc_transfer(b, u):
    return u < b.cfg.ae.ucc_transfer_share


@need("admit", "the A&E decision will be to admit (forced true for GP direct admissions, readmissions and "
               "deteriorations)", bool, column=7)
def _admit(b, u):
    m = b.maker
    logit = m.logit_by_acuity[b.acuity - 1]
    logit = logit + b.old * m.log_odds_old
    logit = logit + b.frail * m.log_odds_frail
    with np.errstate(over="ignore"):
        p_admit = 1.0 / (1.0 + np.exp(-logit))
    return ((u < p_admit) | b.forced_admit) & ~b.mental_health


@need("refer_community", "a patient not admitted is referred to community services", bool, column=8)
def _refer_community(b, u):
    return u < b.cfg.ae.community_referral_share


@need("d_deteriorate", "time from a virtual ward admission to deterioration (minutes, at least a day)", column=11)
def _d_deteriorate(b, u):
    return np.maximum(b.cfg.community.deterioration_days.ppf(u), 1.0) * MINUTES_PER_DAY


@need("zero_day", "discharged the same day (never for a return after deterioration)", bool, column=12)
def _zero_day(b, u):
    return (u < b.cfg.beds.zero_day_share) & (b.los_multiplier == 1.0)


@need("d_los", "clinical length of stay (minutes): same-day hours, or overnight days x frailty and return "
               "multipliers (the top `long_stay_share` of the uniform from the long-stay distribution)", column=13)
def _d_los(b, u):
    beds = b.cfg.beds
    share = beds.long_stay_share
    if share > 0:  # a mixture, by the inverse of its distribution function: one uniform, monotone
        body = 1.0 - share
        long = u >= body
        days = np.where(long, beds.long_stay_days.ppf(np.clip((u - body) / share, 0.0, 1.0 - 1e-12)),
                        beds.emergency_los_days.ppf(np.minimum(u / body, 1.0 - 1e-12)))
    else:
        days = beds.emergency_los_days.ppf(u)
    los_days = days * np.where(b.frail, beds.frail_los_multiplier, 1.0)
    return np.where(b.zero_day, beds.zero_day_hours.ppf(u) * MINUTES_PER_HOUR,
                    los_days * b.los_multiplier * MINUTES_PER_DAY)


@need("d_virtual_ward", "length of a virtual ward stay (minutes)", column=14)
def _d_virtual_ward(b, u):
    return b.cfg.community.virtual_ward_days.ppf(u) * MINUTES_PER_DAY


@need("pathway", "discharge pathway, as its index in P0-P3 (a zero-day stay goes home, P0)", int, column=15)
def _pathway(b, u):
    m = b.maker
    pathway = np.where(b.frail, _index_by_cdf(u, m.pathway_cdf_frail), _index_by_cdf(u, m.pathway_cdf_not_frail))
    return np.where(b.zero_day, 0, pathway)


@need("p1_reablement", "a P1 patient needs reablement rather than a home care package", bool, column=16)
def _p1_reablement(b, u):
    return u < b.cfg.discharge.p1_reablement_share


@need("u_need", "social care need score (0-1), compared with the council's eligibility threshold", column=17)
def _u_need(b, u):
    return u


@need("self_funder", "funds their own social care", bool, column=18)
def _self_funder(b, u):
    return u < b.cfg.social_care.self_funder_share


@need("d_after", "how long the service after discharge is used: reablement, home care, intermediate care or "
                 "care home (minutes)", column=19)
def _d_after(b, u):
    com, sc, pathway = b.cfg.community, b.cfg.social_care, b.pathway
    after = np.select(
        [(pathway == 1) & b.p1_reablement, pathway == 1, pathway == 2, pathway == 3],
        [com.reablement_days.ppf(u), sc.home_care_package_days.ppf(u), com.intermediate_care_days.ppf(u),
         sc.care_home_stay_days.ppf(u)],
        0.0,
    )
    return after * MINUTES_PER_DAY


@need("d_arrange", "assessing and arranging care once medically fit, by pathway (minutes)", column=28)
def _d_arrange(b, u):
    arrange, pathway = b.cfg.discharge.arrangement_days, b.pathway
    return np.select([pathway == 1, pathway == 2, pathway == 3],
                     [arrange["P1"].ppf(u), arrange["P2"].ppf(u), arrange["P3"].ppf(u)], 0.0) * MINUTES_PER_DAY


@need("d_turnaround", "bed turnaround after the patient leaves (minutes)", column=29)
def _d_turnaround(b, u):
    return b.cfg.beds.turnaround_hours.ppf(u) * MINUTES_PER_HOUR


@need("u_readmit", "uniform compared with the readmission risk", column=20)
def _u_readmit(b, u):
    return u


@need("d_readmit", "time from discharge to readmission (minutes; 1-30 days)", column=21)
def _d_readmit(b, u):
    return np.clip(b.cfg.discharge.readmission_days.ppf(u), 1.0, 30.0) * MINUTES_PER_DAY


@need("d_mobilise", "ambulance mobilisation (minutes)", column=22)
def _d_mobilise(b, u):
    return b.cfg.ambulance.mobilisation_minutes.ppf(u)


@need("d_scene", "ambulance travel within the locality beyond the station-to-locality time (minutes)", column=23)
def _d_scene(b, u):
    return b.cfg.ambulance.scene_travel_extra_minutes.ppf(u)


@need("d_on_scene", "ambulance time on scene (minutes)", column=24)
def _d_on_scene(b, u):
    return b.cfg.ambulance.on_scene_minutes.ppf(u)


@need("d_handover", "clinical handover at A&E once a space is free (minutes)", column=25)
def _d_handover(b, u):
    return b.cfg.ambulance.handover_minutes.ppf(u)


@need("d_clear", "ambulance cleaning and returning to service after handover (minutes)", column=26)
def _d_clear(b, u):
    return b.cfg.ambulance.clear_minutes.ppf(u)


@need("urc_suitable", "an urgent community response team could take the patient instead of conveyance (never for "
                      "a return after deterioration)", bool, column=27)
def _urc_suitable(b, u):
    return (u < b.cfg.ambulance.urgent_community_response_share) & ~b.mental_health


@need("d_urc", "time on the urgent community response team's caseload (minutes)", column=31)
def _d_urc(b, u):
    return b.cfg.community.urgent_response_days.ppf(u) * MINUTES_PER_DAY


@need("condition", "time-critical condition group of an emergency admission: 0 none, 1 STEMI, 2 stroke, 3 sepsis, "
                   "4 major trauma, by triage category (never for GP direct admissions)", int, column=33)
def _condition(b, u):
    cdf = b.maker.condition_cdf
    if cdf is None or b.entry == Entry.GP_DIRECT_ADMISSION:
        return np.zeros(len(u), int)
    below = (u[:, None] >= cdf[b.acuity - 1]).sum(axis=1)
    return np.where(b.admit & (below < cdf.shape[1]), below + 1, 0)


@need("suitable", "latent flag: could safely have been cared for out of hospital, by triage category, frailty and "
                  "condition (never a time-critical one); a return keeps the flag of the journey it follows", bool,
      column=3)
def _suitable(b, u):
    m = b.maker
    with np.errstate(over="ignore", divide="ignore"):
        p = 1.0 / (1.0 + np.exp(-(m.suitable_logit[b.acuity - 1] + b.frail * m.suitable_log_odds_frail)))
    drawn = (u < p) & (b.condition == 0)
    if b.previous is not None:
        return b.maker.log.suitable_ooh[b.previous].astype(bool)  # a property of the person
    return drawn


@need("assessed_suitable", "the front-door assessment finds the patient suitable for a virtual ward: a suitable "
                           "one with probability `selection_sensitivity`, an unsuitable one with 1 - "
                           "`selection_specificity`", bool, column=32)
def _assessed_suitable(b, u):
    com = b.cfg.community
    return np.where(b.suitable, u < com.selection_sensitivity, u < 1.0 - com.selection_specificity)


@need("deteriorates", "an unsuitable patient on a virtual ward will deteriorate", bool, column=10)
def _deteriorates(b, u):
    return ~b.suitable & (u < b.cfg.community.deterioration_probability_unsuitable)


@need("u_death", "uniform compared with the patient's 30-day risk of death (the same with and without delay)",
      column=34)
def _u_death(b, u):
    return u


@need("u_harm", "uniform compared with the patient's risk of a hospital-acquired harm", column=35)
def _u_harm(b, u):
    return u


@need("u_alive", "uniform compared with the share of the cell's people who have died: an arrival below it is "
                 "someone who died, and does not come", column=ALIVE_COLUMN)
def _u_alive(b, u):
    return u


@need("u_discharge_day", "uniform compared with the day's chance of discharge (`day_of_week_discharge`): a "
                         "discharge slips a day while it is above", column=37)
def _u_discharge_day(b, u):
    return u


@need("u_ed_choice", "uniform by which the patient (or their ambulance crew) chooses among open type 1 A&Es "
                     "when the footprint has a choice model (travel.ed_choice_decay_minutes)", column=38)
def _u_ed_choice(b, u):
    return u


# --- the record and the maker --------------------------------------------------------------------

Need = NamedTuple("Need", [(spec.name, spec.type) for spec in NEEDS])
Need.__doc__ = "A patient's needs, drawn at arrival (one field per ``@need`` declaration, in order)."
# A Need from one row of values with no Python-level call per patient (what ``Need._make`` does
# less its length check; ``NeedMaker.make`` checks the length once per batch instead).
_need_from_row = partial(tuple.__new__, Need)
_DRAWS = [(spec.name, spec.column, spec.draw) for spec in NEEDS]


def free_columns() -> list[int]:
    """Uniform columns no need uses yet (where a new need should take its draws from)."""
    used = {spec.column for spec in NEEDS if spec.column is not None}
    return [c for c in range(sum(UNIFORM_BLOCKS)) if c not in used]


def needs_table() -> str:
    """The table of needs for ``docs/odd.md`` (2.1), made from the declarations."""
    rows = ["| need | uniform | meaning |", "|---|---|---|"]
    for spec in NEEDS:
        column = "-" if spec.column is None else f"u{spec.column}"
        rows.append(f"| `{spec.name}` | {column} | {spec.meaning} |")
    return "\n".join(rows)


class NeedMaker:
    """Turns arrival times and population cells into journeys with all their needs."""

    def __init__(self, cfg: Config, cells: Cells, log: JourneyLog):
        self.cfg = cfg
        self.cells = cells
        self.log = log
        ae, amb, dis = cfg.ae, cfg.ambulance, cfg.discharge
        # What does not change between batches is worked out once (a batch can be one patient).
        admit_logit = {a: np.log(p / (1 - p)) if 0 < p < 1 else (np.inf if p >= 1 else -np.inf)
                       for a, p in ae.admit_probability.items()}
        self.category_cdf = _cdf(CATEGORIES.tolist(), amb.category_shares)
        self.acuities = np.asarray(ACUITIES)
        self.acuity_cdf_ambulance = _cdf(ACUITIES, ae.acuity_shares_ambulance)
        self.acuity_cdf_self = _cdf(ACUITIES, ae.acuity_shares_self_presenting)
        self.logit_by_acuity = np.array([admit_logit[a] for a in ACUITIES])
        self.log_odds_old = np.log(max(ae.admit_odds_ratio_65plus, 1e-12))
        self.log_odds_frail = np.log(max(ae.admit_odds_ratio_frail, 1e-12))
        self.pathway_cdf_not_frail = _cdf(PATHWAYS, dis.pathway_shares_not_frail)
        self.pathway_cdf_frail = _cdf(PATHWAYS, dis.pathway_shares_frail)
        com = cfg.community
        suitable = np.array([com.suitable_share_by_acuity[a] for a in ACUITIES])
        with np.errstate(divide="ignore"):
            self.suitable_logit = np.log(suitable) - np.log1p(-suitable) + np.log(max(com.suitable_odds_ratio, 1e-300))
        self.suitable_log_odds_frail = np.log(max(com.suitable_odds_ratio_frail, 1e-300))
        # cumulative shares of the condition groups among admissions, by triage category
        conditions = cfg.outcomes.conditions
        shares = np.array([[conditions[c].share_of_admitted[a] if c in conditions else 0.0 for c in CONDITIONS]
                           for a in ACUITIES])
        self.condition_cdf = np.cumsum(shares, axis=1) if shares.any() else None

    def arrivals(self, rng: np.random.Generator, t: np.ndarray, cell: np.ndarray, entry: Entry
                 ) -> tuple[list[float], list[Need]]:
        """Arrivals from the population at times ``t``: those from people who have died
        (``u_alive`` below the share of their cell who have) do not come. Returns the times and
        needs of the rest; every arrival's uniforms are drawn, so the others' needs never change."""
        keep = None
        if self.cells.dead.any():
            share_dead = self.cells.dead[cell] / np.maximum(self.cells.people[cell], 1.0)
            keep = lambda uniforms: uniforms[:, ALIVE_COLUMN] >= share_dead  # noqa: E731
        needs, kept = self._make(rng, t, cell, entry, None, False, 1.0, keep)
        return (t if kept is None else t[kept]).tolist(), needs

    def make(self, rng: np.random.Generator, t: np.ndarray, cell: np.ndarray, entry: Entry,
             previous: np.ndarray | None = None, forced_admit: bool = False,
             los_multiplier: float = 1.0) -> list[Need]:
        """Create journeys arriving at times ``t`` from population ``cell``s; return their needs."""
        return self._make(rng, t, cell, entry, previous, forced_admit, los_multiplier, None)[0]

    def _make(self, rng, t, cell, entry, previous, forced_admit, los_multiplier, keep):
        n = len(t)
        if n == 0:
            return [], None
        uniforms = np.hstack([rng.random((n, width)) for width in UNIFORM_BLOCKS])
        kept = None
        if keep is not None:
            kept = keep(uniforms)
            if kept.all():
                kept = None
            else:
                uniforms, t, cell = uniforms[kept], t[kept], cell[kept]
                previous = None if previous is None else previous[kept]
                n = len(t)
                if n == 0:
                    return [], kept
        log = self.log
        ids = log.new_block(n)
        batch = Batch(self, ids, t, cell, entry, forced_admit, los_multiplier, previous)
        cols = []
        for name, column, draw in _DRAWS:
            values = draw(batch, None if column is None else uniforms[:, column])
            setattr(batch, name, values)
            cols.append(values)

        sl = slice(ids[0], ids[-1] + 1)
        log.entry[sl] = entry
        log.locality[sl] = batch.locality
        log.age_band[sl] = self.cells.age[cell]
        log.frail[sl] = batch.frail
        log.suitable_ooh[sl] = batch.suitable
        log.t_arrival[sl] = t
        log.acuity[sl] = batch.acuity
        log.condition[sl] = batch.condition
        if entry in _CALLS:
            log.category[sl] = batch.category
        if previous is not None:
            log.previous[sl] = previous
            if entry == Entry.READMISSION:
                log.readmitted[previous[previous >= 0]] = True
        rows = list(map(_need_from_row, zip(*(np.asarray(c).tolist() for c in cols))))
        if len(rows[0]) != len(Need._fields):  # pragma: no cover - a declaration without its field
            raise RuntimeError("a need was drawn without a field in the Need record")
        return rows, kept


if __name__ == "__main__":
    print(needs_table())
