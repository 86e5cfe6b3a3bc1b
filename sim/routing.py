"""Where patients go: the nearest open A&E, urgent care centre and hospital beds, by travel time.

Routes are worked out once for every locality and site from which sites are open, and again
whenever a site opens or closes (``Router.update``), so that the flows only look them up. A patient
goes to the nearest *open* site of the kind they need; closing a site sends its demand to the next
nearest through the road graph (``sim.geography``).
"""

from __future__ import annotations

import numpy as np

from sim.config.system import Config
from sim.geography import Geography


class Router:
    """Who goes where, given which sites are open.

    - ``ed_site[locality]``: nearest open type 1 A&E (ambulances and majors walk-ins);
    - ``minors_site[locality]``: nearest open A&E or urgent care centre (minor illness and injury);
    - ``ed_from_site[site]``: nearest open type 1 A&E from a site (urgent care centre transfers);
    - ``bed_site[site]``: the site whose beds take a site's admissions (its own when it has beds);
    - ``ward_for_locality[locality]``: nearest site with beds (GP direct admissions);
    - ``station_minutes[locality]``: travel from the nearest ambulance station;
    - ``ed_order[locality]``: open type 1 A&Es, nearest first (ambulance diversion);
    - ``bed_order[site]``: the other sites with beds, nearest first (transfers), and ``trust[site]``
      the trust each site with beds belongs to (``trusts:``; each its own by default).
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
        self.trust = [-1] * self.n_sites
        for k, sites in enumerate(config.trust_sites().values()):
            for i in sites:
                self.trust[i] = k
        beds = np.flatnonzero(self.has_beds)
        self.bed_order = [[int(j) for j in beds[np.argsort(geo.site_minutes[i, beds], kind="stable")] if j != i]
                          for i in range(self.n_sites)]
        self.ed_order: list[list[int]] = []
        self.ed_site: list[int] = []
        self.minors_site: list[int] = []
        self.ed_from_site: list[int] = []

    def update(self, ed_open: np.ndarray, minors_open: np.ndarray) -> None:
        """Recompute the routes that depend on which A&Es (``ed_open``) and which A&Es or urgent
        care centres (``minors_open``) are open, as boolean arrays by site."""
        if not ed_open.any():
            raise ValueError("no type 1 A&E is open: ambulances have nowhere to go")
        geo = self.geo
        self.ed_site = geo.nearest_table(ed_open).tolist()
        self.minors_site = geo.nearest_table(minors_open).tolist()
        self.ed_from_site = [geo.nearest_from_site(i, ed_open) for i in range(self.n_sites)]
        open_eds = np.flatnonzero(ed_open)
        self.ed_order = [[int(s) for s in open_eds[np.argsort(geo.minutes[i, open_eds], kind="stable")]]
                         for i in range(len(geo.localities))]

    def catchment(self, site: int, people_by_locality: np.ndarray) -> float:
        """People living in the localities whose nearest open type 1 A&E is ``site``."""
        return float(sum(people_by_locality[i] for i, s in enumerate(self.ed_site) if s == site))
