"""What each arriving patient needs, drawn once at arrival, in batches, from the arrival's own stream.

Every random attribute of a journey (triage category, whether they will be admitted, length of
stay, discharge pathway, whether they could safely have been cared for out of hospital, whether
they will be readmitted) is drawn here, vectorised over a day's arrivals, from the stream of the
kind of arrival. The flows then only queue. Two consequences:

- common random numbers: the same patient has the same needs in every scenario, so a scenario
  that adds beds or closes an A&E is compared on identical patients;
- speed: one numpy call per attribute per day instead of one Python call per patient.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config import ACUITIES, PATHWAYS, Config
from sim.journeys import Entry, JourneyLog
from sim.population import Cells

# Ambulance call outcomes
HEAR_AND_TREAT, SEE_AND_TREAT, CONVEY = 0, 1, 2


class Need(NamedTuple):
    pid: int
    cell: int
    locality: int
    old: bool  # aged 65 or over
    frail: bool
    category: int
    outcome: int
    acuity: int
    suitable: bool
    d_triage: float
    d_assess: float
    d_results: float
    d_assess_ucc: float
    ucc_transfer: bool
    admit: bool
    refer_community: bool
    u_divert: float
    recognised_unsuitable: bool
    deteriorates: bool
    d_deteriorate: float
    zero_day: bool
    d_los: float
    d_virtual_ward: float
    pathway: int
    p1_reablement: bool
    u_need: float
    self_funder: bool
    d_after: float
    d_arrange: float
    d_turnaround: float
    u_readmit: float
    d_readmit: float
    d_mobilise: float
    d_scene: float
    d_on_scene: float
    d_handover: float
    d_clear: float
    urc_suitable: bool
    d_urc: float


def _cdf(keys, shares: dict) -> np.ndarray:
    """Cumulative shares of ``keys`` in order (the steps of a categorical's CDF)."""
    return np.cumsum([shares[k] for k in keys])


def _index_by_cdf(rng_u: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """Map uniforms to the index of their key by cumulative shares (inverse CDF of a categorical)."""
    return np.minimum(np.searchsorted(cdf, rng_u, side="right"), len(cdf) - 1)


# A Need from one row of values, with no Python-level call per patient (what ``Need._make`` does
# less its length check: every row has all the fields by construction).
_need_from_row = partial(tuple.__new__, Need)


def _per_value(values: np.ndarray, dists: dict, u: np.ndarray) -> np.ndarray:
    """Duration from a distribution chosen by ``values`` (e.g. assessment time by acuity)."""
    out = np.empty(len(u))
    for key, dist in dists.items():
        mask = values == key
        if mask.any():
            out[mask] = dist.ppf(u[mask])
    return out


class NeedMaker:
    """Turns arrival times and population cells into journeys with all their needs."""

    def __init__(self, cfg: Config, cells: Cells, log: JourneyLog):
        self.cfg = cfg
        self.cells = cells
        self.log = log
        ae = cfg.ae
        self.admit_logit = {a: np.log(p / (1 - p)) if 0 < p < 1 else (np.inf if p >= 1 else -np.inf)
                            for a, p in ae.admit_probability.items()}
        # What does not change between batches is worked out once (a batch can be one patient).
        amb, dis = cfg.ambulance, cfg.discharge
        self._categories = np.asarray([1, 2, 3, 4])
        self._category_cdf = _cdf(self._categories.tolist(), amb.category_shares)
        self._acuities = np.asarray(ACUITIES)
        self._acuity_cdf_ambulance = _cdf(ACUITIES, ae.acuity_shares_ambulance)
        self._acuity_cdf_self = _cdf(ACUITIES, ae.acuity_shares_self_presenting)
        self._logit_by_acuity = np.array([self.admit_logit[a] for a in ACUITIES])
        self._log_odds_old = np.log(max(ae.admit_odds_ratio_65plus, 1e-12))
        self._log_odds_frail = np.log(max(ae.admit_odds_ratio_frail, 1e-12))
        self._pathway_cdf_not_frail = _cdf(PATHWAYS, dis.pathway_shares_not_frail)
        self._pathway_cdf_frail = _cdf(PATHWAYS, dis.pathway_shares_frail)

    def make(self, rng: np.random.Generator, t: np.ndarray, cell: np.ndarray, entry: Entry,
             previous: np.ndarray | None = None, forced_admit: bool = False,
             los_multiplier: float = 1.0) -> list[Need]:
        """Create journeys arriving at times ``t`` from population ``cell``s; return their needs."""
        n = len(t)
        if n == 0:
            return []
        cfg, cells, log = self.cfg, self.cells, self.log
        u = rng.random((n, 32))  # fixed width: adding a field later must not shift the others
        x = rng.random((n, 8))  # the next attributes (one used so far), from the same stream
        locality = cells.locality[cell]
        age = cells.age[cell]
        old = age >= 2
        frail = cells.frail[cell]

        amb = cfg.ambulance
        category = self._categories[_index_by_cdf(u[:, 0], self._category_cdf)]
        outcome = np.where(u[:, 1] < amb.hear_and_treat_share, HEAR_AND_TREAT,
                           np.where(u[:, 1] < amb.hear_and_treat_share + amb.see_and_treat_share,
                                    SEE_AND_TREAT, CONVEY))
        cdf = self._acuity_cdf_ambulance if entry == Entry.AMBULANCE_CALL else self._acuity_cdf_self
        acuity = self._acuities[_index_by_cdf(u[:, 2], cdf)]
        if entry in (Entry.READMISSION, Entry.DETERIORATED):
            acuity = np.minimum(acuity, 2)

        com = cfg.community
        suitable = u[:, 3] < np.where(frail, com.suitable_share_frail, com.suitable_share)
        d_triage = cfg.ae.triage_minutes.ppf(u[:, 4])
        d_assess = _per_value(acuity, cfg.ae.assessment_minutes, u[:, 5])
        d_results = _per_value(acuity, cfg.ae.results_minutes, u[:, 30])
        d_assess_ucc = cfg.ae.ucc_assessment_minutes.ppf(u[:, 5])
        ucc_transfer = u[:, 6] < cfg.ae.ucc_transfer_share

        logit = self._logit_by_acuity[acuity - 1]
        logit = logit + old * self._log_odds_old
        logit = logit + frail * self._log_odds_frail
        with np.errstate(over="ignore"):
            p_admit = 1.0 / (1.0 + np.exp(-logit))
        admit = (u[:, 7] < p_admit) | forced_admit
        refer_community = u[:, 8] < cfg.ae.community_referral_share
        u_divert = u[:, 9]
        # a diverted patient who is not suitable is recognised (and admitted) with this probability
        recognised = ~suitable & (x[:, 0] < com.assessment_accuracy)
        deteriorates = ~suitable & (u[:, 10] < com.deterioration_probability_unsuitable)
        d_deteriorate = np.maximum(com.deterioration_days.ppf(u[:, 11]), 1.0) * MINUTES_PER_DAY

        beds = cfg.beds
        zero_day = (u[:, 12] < beds.zero_day_share) & (los_multiplier == 1.0)
        los_days = beds.emergency_los_days.ppf(u[:, 13]) * np.where(frail, beds.frail_los_multiplier, 1.0)
        d_los = np.where(zero_day, beds.zero_day_hours.ppf(u[:, 13]) * MINUTES_PER_HOUR,
                         los_days * los_multiplier * MINUTES_PER_DAY)
        d_virtual_ward = com.virtual_ward_days.ppf(u[:, 14]) * MINUTES_PER_DAY

        dis = cfg.discharge
        # pathways as their index in PATHWAYS (0 = P0 ... 3 = P3); a zero-day stay goes home (P0)
        pathway_nf = _index_by_cdf(u[:, 15], self._pathway_cdf_not_frail)
        pathway_f = _index_by_cdf(u[:, 15], self._pathway_cdf_frail)
        pathway = np.where(frail, pathway_f, pathway_nf)
        pathway = np.where(zero_day, 0, pathway)
        p1_reablement = u[:, 16] < dis.p1_reablement_share
        u_need = u[:, 17]
        self_funder = u[:, 18] < cfg.social_care.self_funder_share
        sc = cfg.social_care
        after = np.select(
            [(pathway == 1) & p1_reablement, pathway == 1, pathway == 2, pathway == 3],
            [com.reablement_days.ppf(u[:, 19]), sc.home_care_package_days.ppf(u[:, 19]),
             com.intermediate_care_days.ppf(u[:, 19]), sc.care_home_stay_days.ppf(u[:, 19])],
            0.0,
        )
        arrange = dis.arrangement_days
        d_arrange = np.select([pathway == 1, pathway == 2, pathway == 3],
                              [arrange["P1"].ppf(u[:, 28]), arrange["P2"].ppf(u[:, 28]), arrange["P3"].ppf(u[:, 28])],
                              0.0) * MINUTES_PER_DAY
        d_turnaround = beds.turnaround_hours.ppf(u[:, 29]) * MINUTES_PER_HOUR
        u_readmit = u[:, 20]
        d_readmit = np.clip(dis.readmission_days.ppf(u[:, 21]), 1.0, 30.0) * MINUTES_PER_DAY

        d_mobilise = amb.mobilisation_minutes.ppf(u[:, 22])
        d_scene = amb.scene_travel_extra_minutes.ppf(u[:, 23])
        d_on_scene = amb.on_scene_minutes.ppf(u[:, 24])
        d_handover = amb.handover_minutes.ppf(u[:, 25])
        d_clear = amb.clear_minutes.ppf(u[:, 26])
        urc_suitable = u[:, 27] < amb.urgent_community_response_share
        d_urc = com.urgent_response_days.ppf(u[:, 31]) * MINUTES_PER_DAY

        ids = log.new_block(n)
        sl = slice(ids[0], ids[-1] + 1)
        log.entry[sl] = entry
        log.locality[sl] = locality
        log.age_band[sl] = age
        log.frail[sl] = frail
        log.suitable_ooh[sl] = suitable
        log.t_arrival[sl] = t
        log.acuity[sl] = acuity
        if entry == Entry.AMBULANCE_CALL:
            log.category[sl] = category
        if previous is not None:
            log.previous[sl] = previous

        cols = (ids, cell, locality, old, frail, category, outcome, acuity, suitable, d_triage, d_assess, d_results,
                d_assess_ucc, ucc_transfer, admit, refer_community, u_divert, recognised, deteriorates,
                d_deteriorate, zero_day, d_los, d_virtual_ward, pathway, p1_reablement, u_need,
                self_funder, after * MINUTES_PER_DAY, d_arrange, d_turnaround, u_readmit, d_readmit, d_mobilise, d_scene,
                d_on_scene, d_handover, d_clear, urc_suitable, d_urc)
        return list(map(_need_from_row, zip(*(np.asarray(c).tolist() for c in cols))))
