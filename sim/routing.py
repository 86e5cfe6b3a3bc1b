"""Where patients go: the nearest open A&E, urgent care centre and hospital beds, by travel time.

Routes are worked out once for every locality and site from which sites are open, and again
whenever a site opens or closes (``Router.update``), so that the flows only look them up. A patient
goes to the nearest *open* site of the kind they need; closing a site sends its demand to the next
nearest through the road graph (``sim.geography``).

A type 1 A&E with opening hours (``emergency_department.hours``) is open only in them, so routes
depend on the hour of the day: they are worked out for each hour (``ed_site_at``,
``minors_site_at``, ``ed_from_site_at``), and the flows look them up by the time of arrival. Without
opening hours every hour shares one table, as before.

With a choice model (``travel.ed_choice_decay_minutes``, tau) a patient, or their ambulance crew,
does not always go to the nearest type 1 A&E: among those open, site j is chosen from locality i
with probability proportional to ``attractiveness_j x exp(-(t_ij - t_i,nearest) / tau)`` (a Huff
model), by the patient's own uniform (``u_ed_choice``), so that the same patient makes the same
choice among the same sites in every scenario. Ambulance crews choose with their own weights where
the config gives them (``crew_attractiveness``: conveyance policies differ from patients' choices). Closing an A&E shares its patients among the others
in proportion to those weights.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from sim.calendar import MINUTES_PER_HOUR
from sim.config.system import Config
from sim.geography import Geography

HOURS = 24


class Router:
    """Who goes where, given which sites are open.

    - ``ed_site[locality]``: nearest open type 1 A&E (ambulances and majors walk-ins) while every
      A&E with opening hours is open; ``ed_site_at(locality, t)`` at time ``t``;
    - ``minors_site[locality]``: nearest open A&E or urgent care centre (minor illness and injury);
    - ``ed_from_site[site]``: nearest open type 1 A&E from a site (urgent care centre transfers);
    - ``bed_site[site]``: the site whose beds take a site's admissions (its own when it has beds);
    - ``ward_for_locality[locality]``: nearest site with beds (GP direct admissions);
    - ``station_minutes[locality]``: travel from the nearest ambulance station (0 when vehicles
      stand by within every locality, ``ambulance.standby_in_localities``);
    - ``ed_order[locality]``: open type 1 A&Es, nearest first (ambulance diversion; ``ed_order_at``
      leaves out those outside their opening hours at a time);
    - ``bed_order[site]``: the other sites with beds, nearest first (transfers), and ``trust[site]``
      the trust each site with beds belongs to (``trusts:``; each its own by default).
    """

    def __init__(self, config: Config, geo: Geography):
        self.geo = geo
        self.n_sites = len(config.sites)
        self.has_beds = np.array([s.beds > 0 for s in config.sites.values()])
        stations = np.array([s.ambulance_station for s in config.sites.values()])
        if config.ambulance.standby_in_localities:  # vehicles already wait within each locality
            self.station_minutes = [0.0] * len(geo.localities)
        else:
            self.station_minutes = np.where(stations[None, :], geo.minutes, np.inf).min(axis=1).tolist()
        self.ward_for_locality = geo.nearest_table(self.has_beds).tolist()
        self.bed_site = [i if self.has_beds[i] else geo.nearest_from_site(i, self.has_beds)
                         for i in range(self.n_sites)]
        self.trust = [-1] * self.n_sites
        for k, sites in enumerate(config.trust_sites().values()):
            for i in sites:
                self.trust[i] = k
        beds = np.flatnonzero(self.has_beds)
        self.bed_order = [[int(j) for j in beds[np.argsort(geo.site_minutes[i, beds], kind="stable")] if j != i]
                          for i in range(self.n_sites)]
        self.ed_order: list[list[int]] = []
        # in_hours[h, site]: a type 1 A&E takes new patients in hour h of the day
        self.in_hours = np.ones((HOURS, self.n_sites), bool)
        for i, site in enumerate(config.sites.values()):
            ed = site.emergency_department
            if ed is not None and ed.hours is not None:
                opens, closes = ed.hours
                self.in_hours[:, i] = [opens <= h < closes for h in range(HOURS)]
        self.decay = config.travel.ed_choice_decay_minutes
        eds = [s.emergency_department for s in config.sites.values()]
        self.attractiveness = np.array([ed.attractiveness if ed else 1.0 for ed in eds])
        self.crew_attractiveness = np.array([
            (ed.crew_attractiveness if ed.crew_attractiveness is not None else ed.attractiveness) if ed else 1.0
            for ed in eds])
        self.ed_site: list[int] = []
        self.minors_site: list[int] = []
        self.ed_from_site: list[int] = []
        self._choice_by_hour: list[list[tuple[list[int], list[float]]] | None] = []
        self._crew_choice_by_hour: list[list[tuple[list[int], list[float]]] | None] = []
        self._ed_by_hour: list[list[int]] = []
        self._minors_by_hour: list[list[int]] = []
        self._ed_from_by_hour: list[list[int]] = []

    def update(self, ed_open: np.ndarray, minors_open: np.ndarray, ucc_open: np.ndarray | None = None) -> None:
        """Recompute the routes that depend on which A&Es (``ed_open``), which A&Es or urgent care
        centres (``minors_open``) and which urgent care centres (``ucc_open``) are open, as boolean
        arrays by site. An A&E with opening hours is open only in them; outside them its site takes
        minors only if its urgent care centre is open."""
        if not ed_open.any():
            raise ValueError("no type 1 A&E is open: ambulances have nowhere to go")
        geo = self.geo
        ucc_open = minors_open & ~ed_open if ucc_open is None else ucc_open
        tables: dict[bytes, tuple[list[int], list[int], list[int]]] = {}

        def routes(ed: np.ndarray, minors: np.ndarray) -> tuple[list[int], list[int], list[int]]:
            key = ed.tobytes() + minors.tobytes()
            if key not in tables:
                tables[key] = (geo.nearest_table(ed).tolist(), geo.nearest_table(minors).tolist(),
                               [geo.nearest_from_site(i, ed) for i in range(self.n_sites)])
            return tables[key]

        choices: dict[bytes, list[tuple[list[int], list[float]]]] = {}

        def choice(ed: np.ndarray, weights: np.ndarray) -> list[tuple[list[int], list[float]]] | None:
            if self.decay is None:
                return None
            key = ed.tobytes() + weights.tobytes()
            if key not in choices:
                choices[key] = self._choice_table(ed, weights)
            return choices[key]

        self._ed_by_hour, self._minors_by_hour, self._ed_from_by_hour = [], [], []
        self._choice_by_hour, self._crew_choice_by_hour = [], []
        for h in range(HOURS):
            ed_h = ed_open & self.in_hours[h]
            if not ed_h.any():
                raise ValueError(f"no type 1 A&E is open at {h:02d}:00: ambulances have nowhere to go")
            ed, minors, ed_from = routes(ed_h, ed_h | ucc_open)
            self._ed_by_hour.append(ed)
            self._minors_by_hour.append(minors)
            self._ed_from_by_hour.append(ed_from)
            self._choice_by_hour.append(choice(ed_h, self.attractiveness))
            self._crew_choice_by_hour.append(choice(ed_h, self.crew_attractiveness))
        # the routes while every A&E with opening hours is open (its daytime catchment)
        self.ed_site, self.minors_site, self.ed_from_site = routes(ed_open, minors_open)
        open_eds = np.flatnonzero(ed_open)
        self.ed_order = [[int(s) for s in open_eds[np.argsort(geo.minutes[i, open_eds], kind="stable")]]
                         for i in range(len(geo.localities))]

    def _choice_table(self, ed: np.ndarray, attractiveness: np.ndarray) -> list[tuple[list[int], list[float]]]:
        """For each locality, the open A&Es ``ed`` it may choose and their cumulative probabilities."""
        table = []
        for times in self.geo.minutes:
            extra = np.where(ed, times - times[ed].min(), np.inf)
            weight = np.where(ed, attractiveness * np.exp(-extra / self.decay), 0.0)
            sites = np.flatnonzero(weight > 1e-6 * weight.max())
            cum = np.cumsum(weight[sites]) / weight[sites].sum()
            cum[-1] = 1.0
            table.append((sites.tolist(), cum.tolist()))
        return table

    def ed_choice(self, locality: int, t: float, crew: bool = False) -> dict[int, float]:
        """Probability of each type 1 A&E for a patient from ``locality`` at time ``t`` (conveyed
        by an ambulance crew, or not)."""
        table = (self._crew_choice_by_hour if crew else self._choice_by_hour)[int(t // MINUTES_PER_HOUR) % HOURS]
        if table is None:
            return {self.ed_site_at(locality, t): 1.0}
        sites, cum = table[locality]
        return {s: c - (cum[k - 1] if k else 0.0) for k, (s, c) in enumerate(zip(sites, cum))}

    def ed_site_at(self, locality: int, t: float, u: float = 0.0, crew: bool = False) -> int:
        """The type 1 A&E open at time ``t`` (minutes) that a patient from ``locality`` goes to (or
        is conveyed to by a ``crew``): the nearest, or, with a choice model, the one their uniform
        ``u`` picks."""
        h = int(t // MINUTES_PER_HOUR) % HOURS
        table = (self._crew_choice_by_hour if crew else self._choice_by_hour)[h]
        if table is None:
            return self._ed_by_hour[h][locality]
        sites, cum = table[locality]
        return sites[bisect_right(cum, u)] if len(sites) > 1 else sites[0]

    def ed_order_at(self, locality: int, t: float) -> list[int]:
        """The type 1 A&Es open at time ``t``, nearest to ``locality`` first (for diversion)."""
        open_now = self.in_hours[int(t // MINUTES_PER_HOUR) % HOURS]
        return [s for s in self.ed_order[locality] if open_now[s]]

    def minors_site_at(self, locality: int, t: float) -> int:
        return self._minors_by_hour[int(t // MINUTES_PER_HOUR) % HOURS][locality]

    def ed_from_site_at(self, site: int, t: float) -> int:
        return self._ed_from_by_hour[int(t // MINUTES_PER_HOUR) % HOURS][site]

    def ward_at(self, locality: int, t: float, u: float = 0.0) -> int:
        """The site whose beds take a GP's direct admission from ``locality`` at time ``t``: the
        nearest with beds, or, with a choice model, that of the A&E the patient would choose."""
        if self.decay is None:
            return self.ward_for_locality[locality]
        return self.bed_site[self.ed_site_at(locality, t, u)]

    def catchment(self, site: int, people_by_locality: np.ndarray) -> float:
        """People living in the localities whose nearest open type 1 A&E is ``site`` (in its hours)."""
        return float(sum(people_by_locality[i] for i, s in enumerate(self.ed_site) if s == site))
