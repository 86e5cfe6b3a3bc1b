"""Small footprints for the service tests: thousands of people, runs of a fraction of a second.

- ``TOWN`` (``tests/configs/town.yaml``): about 38,000 people, one hospital with an A&E, an urgent
  care centre and 72 beds, organisations on.
- ``TWO_TOWNS`` (``tests/configs/two_towns.yaml``): the town with a second hospital next to
  Northfield and a village (Eastgate) with an urgent care centre of its own: routing, closures
  and transfers.
- ``run(path, overrides, months)``: a whole model of a footprint, run.
- ``Wired``: the services of a footprint built and connected as the model connects them, with no
  day driver: a test places its own patients (``patient``, with the needs it chooses) and runs
  the clock, so that one journey can be traced through a pathway with known durations.
- ``QUIET``: overrides that switch off every arrival (mental health crises included), the social
  care market's prefill and community referrals and the elective waiting list, so that the only
  patients are the test's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents import health_system
from sim.calendar import MINUTES_PER_DAY, Calendar
from sim.config import AGE_BANDS, Config, load_config
from sim.geography import Geography
from sim.journeys import Entry, JourneyLog
from sim.model import HealthSystem
from sim.needs import Need, NeedMaker
from sim.population import Cells
from sim.process import Environment
from sim.services import Services
from sim.streams import Streams

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "configs" / "baseline.yaml"
TOWN = HERE / "configs" / "town.yaml"
TWO_TOWNS = HERE / "configs" / "two_towns.yaml"

DAY = MINUTES_PER_DAY
HOUR = 60.0
NO_ORGANISATIONS = {"organisations": None}


def fixed(value: float) -> dict:
    """A fixed duration (``{dist: fixed, value: ...}``) for a config."""
    return {"dist": "fixed", "value": float(value)}


def per_band(value: float) -> dict:
    """The same rate for every age band."""
    return dict.fromkeys(AGE_BANDS, value)


# No arrivals of any kind and an empty social care market: the only patients are the test's.
QUIET = {
    "demand": {name: per_band(0.0) for name in ("gp_appointments_per_1000", "ambulance_incidents_per_1000",
                                                "ae_self_presentations_per_1000", "elective_admissions_per_1000")},
    "social_care": {"home_care_community_starts_per_week": 0.0, "care_home_community_admissions_per_week": 0.0,
                    "initial_occupancy": 0.0},
    "organisations": None,
    "rtt": None,  # no waiting list (its initial list and referrals would be patients too)
    "mental_health": None,  # no mental health crises (a test that wants them gives its own)
}

# Every duration fixed (minutes, hours or days as the config's field says), so that a journey's
# times can be worked out by hand.
FIXED_DURATIONS = {
    "ambulance": {"mobilisation_minutes": fixed(3), "scene_travel_extra_minutes": fixed(6),
                  "on_scene_minutes": fixed(30), "handover_minutes": fixed(15), "clear_minutes": fixed(20)},
    "ae": {"triage_minutes": fixed(10), "assessment_minutes": {a: fixed(40) for a in range(1, 6)},
           "results_minutes": {a: fixed(50) for a in range(1, 6)}, "ucc_assessment_minutes": fixed(25)},
    "beds": {"zero_day_hours": fixed(6), "emergency_los_days": fixed(2), "elective_los_days": fixed(3),
             "turnaround_hours": fixed(0)},
    "discharge": {"arrangement_days": {p: fixed(1) for p in ("P1", "P2", "P3")}, "readmission_days": fixed(10)},
    "community": {"virtual_ward_days": fixed(5), "urgent_response_days": fixed(2), "intermediate_care_days": fixed(10),
                  "reablement_days": fixed(10), "deterioration_days": fixed(2)},
    "social_care": {"home_care_package_days": fixed(100), "care_home_stay_days": fixed(300)},
}


def merged(*overrides: dict | None) -> dict:
    """Patches merged into one, later ones over earlier ones, keeping each ``null`` (a deletion
    when the patch is applied to a config) and each distribution whole."""
    def merge(a, b):
        if isinstance(a, dict) and isinstance(b, dict) and not ("dist" in b and b.get("dist") != a.get("dist")):
            return {**a, **{k: merge(a[k], v) if k in a else v for k, v in b.items()}}
        return b

    patch: dict = {}
    for o in overrides:
        if o:
            patch = merge(patch, o)
    return patch


def config(path: Path = TOWN, *overrides: dict | None) -> Config:
    """A footprint's config patched by each of ``overrides`` in turn."""
    return load_config(path, merged(*overrides) or None)


def run(path: Path = TOWN, *overrides: dict | None, months: int = 1, seed: int | None = None) -> HealthSystem:
    """A footprint (patched by ``overrides``) run for ``months`` reported months, with its
    organisations if it has them."""
    hs = health_system(config(path, *overrides), seed=seed, months=months)
    hs.run()
    return hs


class Wired:
    """A footprint's services, connected as in the model, with no day driver and no rota: the
    clinicians on duty are the rostered number, and the only patients are those a test places."""

    def __init__(self, cfg: Config, seed: int = 1, months: int = 1):
        self.cfg = cfg
        self.env = Environment()
        self.calendar = Calendar(cfg.run, months)
        self.geo = Geography(cfg)
        self.cells = Cells.from_config(cfg)
        self.log = JourneyLog(capacity=1024)
        self.streams = Streams(seed)
        self.services = s = Services.build(cfg, self.env, self.calendar, self.geo, self.cells, self.log, self.streams)
        self.router, self.arrivals, self.primary_care = s.router, s.arrivals, s.primary_care
        self.ambulance, self.emergency_care, self.beds = s.ambulance, s.emergency_care, s.beds
        self.discharge, self.community, self.social_care = s.discharge, s.community, s.social_care
        self.needs = NeedMaker(cfg, self.cells, self.log)
        self._rng = np.random.default_rng(seed)
        self.site = {name: i for i, name in enumerate(cfg.sites)}
        self.locality = {name: i for i, name in enumerate(cfg.localities)}

    def patient(self, at: float = 0.0, entry: Entry = Entry.SELF_PRESENTED, locality: int = 0, age: int = 1,
                frail: bool = False, forced_admit: bool = False, **fields) -> Need:
        """One new journey arriving at ``at``, its needs drawn as for any patient of that cell
        and entry, then the ``fields`` given set as the test says."""
        cell = int(Cells.index(locality, age, frail))
        n = self.needs.make(self._rng, np.array([float(at)]), np.array([cell]), entry, forced_admit=forced_admit)[0]
        n = n._replace(**fields)
        if "acuity" in fields:
            self.log.acuity[n.pid] = n.acuity
        if "category" in fields and entry == Entry.AMBULANCE_CALL:
            self.log.category[n.pid] = n.category
        return n

    def run(self, until: float) -> None:
        self.env.run(until=until)

    def journey(self, pid: int):
        """One row of the journey table."""
        return self.log.frame().loc[pid]
