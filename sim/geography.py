"""The map of the system: a networkx graph of localities and sites weighted by travel minutes.

Patients and ambulances go to the nearest *open* site by travel time. Travel times come from
coordinates (great-circle distance x a detour factor / road speed) along a k-nearest-neighbour
road graph, overridden by any measured times in the config; shortest paths through the graph then
give every locality-to-site time. Closing a site removes it from the candidates, so its demand is
re-routed to the next nearest site through the same graph.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from sim.config import Config

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def build_graph(cfg: Config) -> nx.Graph:
    """Localities and sites as nodes, roads as edges weighted by ``minutes``."""
    g = nx.Graph()
    for name, loc in cfg.localities.items():
        g.add_node(name, kind="locality", lat=loc.lat, lon=loc.lon)
    for name, site in cfg.sites.items():
        g.add_node(name, kind="site", lat=site.lat, lon=site.lon)
    nodes = list(g.nodes)
    speed_km_per_min = cfg.travel.road_speed_kmh / 60.0
    k = min(cfg.travel.neighbours, len(nodes) - 1)
    for a in nodes:
        na = g.nodes[a]
        dists = sorted(
            (haversine_km(na["lat"], na["lon"], g.nodes[b]["lat"], g.nodes[b]["lon"]), b)
            for b in nodes
            if b != a
        )
        for km, b in dists[:k]:
            g.add_edge(a, b, minutes=max(km * cfg.travel.detour_factor / speed_km_per_min, 1.0))
    for key, minutes in cfg.travel.minutes.items():
        a, b = key.split("--")
        g.add_edge(a, b, minutes=float(minutes))
    if not nx.is_connected(g):  # a far-flung place: join each component to its nearest neighbour
        comps = list(nx.connected_components(g))
        main = max(comps, key=len)
        for comp in comps:
            if comp is main:
                continue
            km, a, b = min(
                (haversine_km(g.nodes[a]["lat"], g.nodes[a]["lon"], g.nodes[b]["lat"], g.nodes[b]["lon"]), a, b)
                for a in comp
                for b in main
            )
            g.add_edge(a, b, minutes=max(km * cfg.travel.detour_factor / speed_km_per_min, 1.0))
    return g


class Geography:
    """Travel times between every locality and every site, and who goes where."""

    def __init__(self, cfg: Config):
        self.graph = build_graph(cfg)
        self.localities = list(cfg.localities)
        self.sites = list(cfg.sites)
        self.site_index = {s: i for i, s in enumerate(self.sites)}
        # minutes[locality_index, site_index] and between sites
        self.minutes = np.zeros((len(self.localities), len(self.sites)))
        self.site_minutes = np.zeros((len(self.sites), len(self.sites)))
        for i, loc in enumerate(self.localities):
            lengths = nx.single_source_dijkstra_path_length(self.graph, loc, weight="minutes")
            self.minutes[i] = [lengths[s] for s in self.sites]
        for i, site in enumerate(self.sites):
            lengths = nx.single_source_dijkstra_path_length(self.graph, site, weight="minutes")
            self.site_minutes[i] = [lengths[s] for s in self.sites]
        # The same tables as Python floats for the flows: a numpy scalar in a SimPy delay would
        # make the event times numpy scalars too, slowing every comparison in the event queue.
        self.travel = self.minutes.tolist()
        self.site_travel = self.site_minutes.tolist()

    def nearest(self, locality: int, candidates: np.ndarray) -> int:
        """Index of the nearest site among a boolean mask of candidates (ties go to the first)."""
        times = np.where(candidates, self.minutes[locality], np.inf)
        return int(np.argmin(times))

    def nearest_table(self, candidates: np.ndarray) -> np.ndarray:
        """For every locality, the nearest candidate site (-1 where none is open)."""
        if not candidates.any():
            return np.full(len(self.localities), -1)
        times = np.where(candidates[None, :], self.minutes, np.inf)
        return np.argmin(times, axis=1)

    def nearest_from_site(self, site: int, candidates: np.ndarray) -> int:
        times = np.where(candidates, self.site_minutes[site], np.inf)
        return int(np.argmin(times))
