"""Where patients go: the nearest open A&E, urgent care centre and hospital beds, by travel time.

Routes are worked out once for every locality and site from which sites are open, and again
whenever a site opens or closes (``Router.update``), so that the flows only look them up. A patient
goes to the nearest *open* site of the kind they need; closing a site sends its demand to the next
nearest through the road graph (``sim.geography``).

A type 1 A&E with opening hours (``emergency_department.hours``) is open only in them, so routes
depend on the hour of the day: they are worked out for each hour (``ed_site_at``,
``minors_site_at``, ``ed_from_site_at``), and the flows look them up by the time of arrival. Without
opening hours every hour shares one table, as before.
"""

from __future__ import annotations

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
    - ``station_minutes[locality]``: travel from the nearest ambulance station.
    """

    def __init__(self, config: Config, geo: Geography):
        self.geo = geo
        self.n_sites = len(config.sites)
        self.has_beds = np.array([s.beds > 0 for s in config.sites.values()])
        stations = np.array([s.ambulance_station for s in config.sites.values()])
        self.station_minutes = np.where(stations[None, :], geo.minutes, np.inf).min(axis=1).tolist()
        self.ward_for_locality = geo.nearest_table(self.has_beds).tolist()
        self.bed_site = [i if self.has_beds[i] else geo.nearest_from_site(i, self.has_beds)
                         for i in range(self.n_sites)]
        # in_hours[h, site]: a type 1 A&E takes new patients in hour h of the day
        self.in_hours = np.ones((HOURS, self.n_sites), bool)
        for i, site in enumerate(config.sites.values()):
            ed = site.emergency_department
            if ed is not None and ed.hours is not None:
                opens, closes = ed.hours
                self.in_hours[:, i] = [opens <= h < closes for h in range(HOURS)]
        self.ed_site: list[int] = []
        self.minors_site: list[int] = []
        self.ed_from_site: list[int] = []
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

        self._ed_by_hour, self._minors_by_hour, self._ed_from_by_hour = [], [], []
        for h in range(HOURS):
            ed_h = ed_open & self.in_hours[h]
            if not ed_h.any():
                raise ValueError(f"no type 1 A&E is open at {h:02d}:00: ambulances have nowhere to go")
            ed, minors, ed_from = routes(ed_h, ed_h | ucc_open)
            self._ed_by_hour.append(ed)
            self._minors_by_hour.append(minors)
            self._ed_from_by_hour.append(ed_from)
        # the routes while every A&E with opening hours is open (its daytime catchment)
        self.ed_site, self.minors_site, self.ed_from_site = routes(ed_open, minors_open)

    def ed_site_at(self, locality: int, t: float) -> int:
        """The nearest type 1 A&E open at time ``t`` (minutes) for a patient from ``locality``."""
        return self._ed_by_hour[int(t // MINUTES_PER_HOUR) % HOURS][locality]

    def minors_site_at(self, locality: int, t: float) -> int:
        return self._minors_by_hour[int(t // MINUTES_PER_HOUR) % HOURS][locality]

    def ed_from_site_at(self, site: int, t: float) -> int:
        return self._ed_from_by_hour[int(t // MINUTES_PER_HOUR) % HOURS][site]

    def catchment(self, site: int, people_by_locality: np.ndarray) -> float:
        """People living in the localities whose nearest open type 1 A&E is ``site`` (in its hours)."""
        return float(sum(people_by_locality[i] for i, s in enumerate(self.ed_site) if s == site))
