"""What a run would need, estimated from its config before anything runs: patient journeys, GP
requests, memory and time; and the check that a run fits the machine it is about to run on.

A config can be valid field by field and still describe a run that cannot finish: seventy
million people for twenty years needs far more memory than a laptop has. ``icsim validate`` and
``icsim run`` call ``check`` so that such a run is refused at the start, naming the settings that
make it big, instead of failing hours in or being killed by the operating system.

The estimates are measured, not derived: a year of the baseline (996,000 people, with its 120-day
warm-up) makes 0.78 million journeys and 8.4 million GP requests, and `icsim run` peaks at 0.65
GiB for one year and for three alike (journeys and GP requests leave memory as they become final:
``sim.results``), most of it the patients in the system and the model's own state, which grow with
the population; the constants below are set a little above those figures, so the check refuses only
runs that clearly cannot fit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.calendar import Calendar
from sim.config import Config, ConfigError

# Journeys per urgent or elective arrival the demand rates give (GP referrals to A&E,
# deteriorations and readmissions add about 17% in the baseline and the town).
JOURNEYS_PER_ARRIVAL = 1.3
BASE_BYTES = 160 * 2**20  # the interpreter with the model's libraries loaded
BYTES_PER_PERSON = 512  # the model's state and the patients in the system, per person of the footprint
BYTES_PER_JOURNEY = 128
BYTES_PER_GP_REQUEST = 64
GP_MONTHS_HELD = 2  # months of GP requests in memory at once in a run that streams them
JOURNEY_MONTHS_HELD = 3  # months of journeys in memory at once (final 35 days after their end)
BYTES_PER_CARE_PLACE = 256  # a home care package or care home place, held from the start
SECONDS_PER_EVENT = 2e-6  # per journey or GP request
MAX_RUN_HOURS = 48  # a run estimated to take longer is refused
DEFAULT_MEMORY = 8 * 2**30  # when the machine's memory cannot be read


@dataclass(frozen=True)
class RunNeeds:
    """What one run of a config would make and need."""

    people: int
    months: int
    days: int  # simulated days, warm-up included
    journeys: float  # urgent and planned episodes, warm-up included
    reported_arrivals: float  # journeys and GP requests in the reported months
    gp_requests: float
    memory_bytes: float
    seconds: float

    def describe(self) -> str:
        return f"about {self.memory_bytes / 2**30:.1f} GiB of memory and {_duration(self.seconds)}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def needs(cfg: Config, months: int | None = None) -> RunNeeds:
    """Estimate what a run of ``cfg`` for ``months`` reported months (default: the config's) needs."""
    calendar = Calendar(cfg.run, months)
    d = cfg.demand
    urgent = gp = 0.0  # a year, by the configured rates (each age band's average is its rate)
    for locality in cfg.localities.values():
        for band, people in locality.population.items():
            urgent += people * (d.ambulance_incidents_per_1000[band] + d.ae_self_presentations_per_1000[band]
                                + d.elective_admissions_per_1000[band]) / 1000
            gp += people * d.gp_appointments_per_1000[band] / 1000
    years = calendar.days / 365.25
    growth = (1 + max(d.growth_per_year, 0.0)) ** (years + 1)
    journeys = urgent * JOURNEYS_PER_ARRIVAL * years * growth
    gp_requests = gp * years * growth
    reported = (urgent + gp) * (calendar.end - calendar.warmup_minutes) / (365.25 * 1440)
    places = cfg.social_care.home_care_packages + cfg.social_care.care_home_places
    # GP requests leave memory each month once final (``PrimaryCare.spill``): about two months' are held at once
    gp_held = gp * min(years, GP_MONTHS_HELD * 30.44 / 365.25) * growth
    # journeys leave memory 35 days after they end (``sim.results``): about three months' are held at once
    journeys_held = journeys * min(1.0, JOURNEY_MONTHS_HELD * 30.44 / 365.25 / years) if years else journeys
    memory = (BASE_BYTES + BYTES_PER_PERSON * cfg.population + BYTES_PER_JOURNEY * journeys_held + BYTES_PER_GP_REQUEST * gp_held
              + BYTES_PER_CARE_PLACE * places)
    return RunNeeds(cfg.population, len(calendar.month_labels), calendar.days, journeys, reported, gp_requests,
                    memory, SECONDS_PER_EVENT * (journeys + gp_requests))


def machine_memory() -> int:
    """Memory this process may use: the machine's, or its container's limit if lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = DEFAULT_MEMORY
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total


def check(cfg: Config, source: str, months: int | None = None, memory: int | None = None) -> RunNeeds:
    """What a run would need, or ``ConfigError`` naming the settings if it cannot fit: more
    memory than the machine has (``memory``, default ``machine_memory()``), more than
    ``MAX_RUN_HOURS``, or no patients at all in the reported months."""
    need = needs(cfg, months)
    memory = machine_memory() if memory is None else memory
    size = (f"{need.people:,} people for {need.months} months (after {cfg.run.warmup_days} days of warm-up) "
            f"would make about {need.journeys:,.0f} patient journeys and {need.gp_requests:,.0f} GP requests")
    if need.memory_bytes > memory:
        raise ConfigError(source, [f"localities: {size}, needing about {need.memory_bytes / 2**30:,.1f} GiB of memory; "
                                   f"this machine has {memory / 2**30:,.1f} GiB. Simulate fewer people or fewer "
                                   "months (run.months)"])
    if need.seconds > MAX_RUN_HOURS * 3600:
        raise ConfigError(source, [f"localities: {size}, taking about {_duration(need.seconds)}, more than the "
                                   f"{MAX_RUN_HOURS} h icsim allows a run. Simulate fewer people or fewer months "
                                   "(run.months)"])
    if not need.reported_arrivals >= 1:
        raise ConfigError(source, ["demand: no patient would arrive in the reported months (every demand rate "
                                   "is 0), so there would be nothing to measure"])
    return need
