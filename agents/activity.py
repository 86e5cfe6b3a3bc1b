"""What happened in a month, in the units money is counted in: attendances, admissions, bed
days, places used. Read from the journey table and from the capacities' time-integrals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY
from sim.journeys import Entry

if TYPE_CHECKING:
    from sim.capacity import Capacity
    from sim.model import HealthSystem


@dataclass
class SiteActivity:
    ae_attendances: int = 0
    non_elective_admissions: int = 0
    excess_bed_days: float = 0.0
    elective_admissions: int = 0
    bed_days: float = 0.0  # occupied bed days (emergency and elective, incl. turnaround)
    mean_occupied_beds: float = 0.0
    transfers_out: int = 0  # patients moved from this site's beds to another hospital's


@dataclass
class MonthActivity:
    days: float
    sites: dict[int, SiteActivity] = field(default_factory=dict)
    place_days: dict[str, float] = field(default_factory=dict)  # community and social care capacity used
    capacity_days: dict[str, float] = field(default_factory=dict)  # and open


class ActivityMeter:
    """Remembers each capacity's integrals at the start of the month to measure the month's use."""

    def __init__(self, hs: HealthSystem):
        self.hs = hs
        self._start: dict[int, tuple] = {}
        self._t0 = hs.env.now

    def _capacities(self) -> dict[str, Capacity]:
        hs = self.hs
        caps = {**hs.community.capacities(), **hs.social_care.capacities()}
        if hs.mental_health is not None:
            caps.update(hs.mental_health.capacities())
        for site, ward in hs.beds.wards.items():
            caps[f"beds:{site}"] = ward.beds
            caps[f"elective_beds:{site}"] = ward.elective_beds
        return caps

    def start_month(self) -> None:
        self._t0 = self.hs.env.now
        self._start = {name: cap._areas() for name, cap in self._capacities().items()}

    def month(self, month: int) -> MonthActivity:
        """Activity between ``start_month`` and now, with journeys counted by the month they began."""
        hs = self.hs
        days = (hs.env.now - self._t0) / MINUTES_PER_DAY
        areas = {name: cap._areas() for name, cap in self._capacities().items()}
        used = {name: (a[0] - self._start.get(name, (0.0, 0.0, 0.0))[0]) / MINUTES_PER_DAY for name, a in areas.items()}
        opened = {name: (a[2] - self._start.get(name, (0.0, 0.0, 0.0))[2]) / MINUTES_PER_DAY for name, a in areas.items()}
        # journeys held in memory: those handed over ended long before this month (``sim.results``)
        log, first, n = hs.log, hs.log.base, hs.log.n
        held = log.held_mask()
        lo, hi = hs.calendar.month_starts[month], hs.calendar.month_starts[month + 1]
        arrived = log.t_ed_arrival[first:n]
        in_month = held & (arrived >= lo) & (arrived < hi)
        bed_start = log.t_bed[first:n]
        admitted = held & (bed_start >= lo) & (bed_start < hi)
        elective = log.entry[first:n] == Entry.ELECTIVE
        out = MonthActivity(days=days)
        tariff_days = hs.cfg.organisations.icb.tariff.excess_after_days
        los_days = (np.nan_to_num(log.t_discharge[first:n], nan=hs.env.now) - bed_start) / MINUTES_PER_DAY
        for site in hs.beds.wards:
            a = SiteActivity()
            a.ae_attendances = int(np.count_nonzero(in_month & (log.ed_site[first:n] == site)))
            mine = admitted & (log.bed_site[first:n] == site)
            a.non_elective_admissions = int(np.count_nonzero(mine & ~elective))
            a.elective_admissions = int(np.count_nonzero(mine & elective))
            a.excess_bed_days = float(np.clip(los_days[mine & ~elective] - tariff_days, 0, None).sum())
            a.bed_days = used[f"beds:{site}"] + used[f"elective_beds:{site}"]
            a.mean_occupied_beds = a.bed_days / days if days else 0.0
            a.transfers_out = int(np.count_nonzero(admitted & (log.transfer_from[first:n] == site)))
            out.sites[site] = a
        out.place_days = {k: v for k, v in used.items() if ":" not in k}
        out.capacity_days = {k: v for k, v in opened.items() if ":" not in k}
        return out
