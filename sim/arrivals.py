"""Who arrives each day, and where their journey starts.

Each simulated day, in this order: the day's 999 calls (to the ambulance service), self-presentations
at A&E, the GP practices' day (bookings and consultations) and the arrivals it causes (patients the
GP sends to A&E, admits directly, or who go to A&E rather than wait), and the readmissions due that
day, then the day's mental health crises (``sim.mental_health``). Each batch gets its needs drawn from its own stream (``sim.needs``), so every scenario meets
the same patients.

Patients also come back: a readmission is booked for its day (``book_return``), and a patient who
deteriorates on a virtual ward calls 999 at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY
from sim.journeys import Entry
from sim.needs import Need, NeedMaker
from sim.population import ArrivalStream

if TYPE_CHECKING:
    from sim.ambulance import AmbulanceService
    from sim.beds import AcuteBeds
    from sim.calendar import Calendar
    from sim.config.system import Config
    from sim.emergency_department import EmergencyCare
    from sim.mental_health import MentalHealthServices
    from sim.population import Cells
    from sim.primary_care import PrimaryCare
    from sim.streams import Streams

# Hours of the day within which patients sent by their GP arrive
GP_REFERRAL_HOURS = (9.0, 18.0)
GP_DIRECT_ADMISSION_HOURS = (10.0, 19.0)
GP_WAIT_TOO_LONG_HOURS = (9.0, 21.0)


class Arrivals:
    """The day's arrivals from the population and from general practice, and patients coming back.

    ``ambulance``, ``emergency_care`` and ``beds`` are where journeys start; they are set when the
    services are connected (they in turn book returns here)."""

    def __init__(self, config: Config, cells: Cells, calendar: Calendar, needs: NeedMaker, streams: Streams,
                 primary_care: PrimaryCare):
        demand = config.demand
        self.needs = needs
        self.streams = streams
        self.primary_care = primary_care
        self.deteriorated_los_multiplier = config.community.deteriorated_los_multiplier
        mh = config.mental_health
        incidents, self_presenting = demand.ambulance_incidents_per_1000, demand.ae_self_presentations_per_1000
        self.crises: list[tuple[ArrivalStream, str, Entry]] = []
        if mh is not None:  # mental health crises: a share of the published rates, not more common with frailty
            def part(rates: dict, shares: dict) -> dict:
                return {b: r * shares[b] for b, r in rates.items()}

            self.crises = [
                (ArrivalStream(cells, part(incidents, mh.share_of_ambulance_incidents), demand.emergency_profile,
                               calendar, demand.growth_per_year), "arrivals.mental_health_999", Entry.MENTAL_HEALTH_CALL),
                (ArrivalStream(cells, part(self_presenting, mh.share_of_self_presentations), demand.emergency_profile,
                               calendar, demand.growth_per_year), "arrivals.mental_health_crisis",
                 Entry.MENTAL_HEALTH_CRISIS),
                (ArrivalStream(cells, part(demand.gp_appointments_per_1000, mh.crisis_referrals_per_gp_appointment),
                               demand.gp_profile, calendar, demand.growth_per_year), "arrivals.crisis_referral",
                 Entry.CRISIS_REFERRAL),
            ]
            if mh.carve_out:  # the published rates already include the crises: the rest are the others
                incidents = {b: r * (1 - mh.share_of_ambulance_incidents[b]) for b, r in incidents.items()}
                self_presenting = {b: r * (1 - mh.share_of_self_presentations[b]) for b, r in self_presenting.items()}
        self.ambulance_calls = ArrivalStream(cells, incidents, demand.emergency_profile,
                                             calendar, demand.growth_per_year, demand.frail_rate_multiplier)
        self.self_presentations = ArrivalStream(cells, self_presenting,
                                                demand.emergency_profile, calendar, demand.growth_per_year,
                                                demand.frail_rate_multiplier)
        self.mental_health: MentalHealthServices | None = None
        self._returns: list[tuple[float, int, int]] = []  # (time, cell, previous journey)
        self.ambulance: AmbulanceService | None = None
        self.emergency_care: EmergencyCare | None = None
        self.beds: AcuteBeds | None = None

    def day(self, day: int) -> None:
        """Create and start every journey arriving on ``day``."""
        streams = self.streams
        rng = streams["arrivals.ambulance"]
        t, cell = self.ambulance_calls.day(day, rng)
        self.ambulance.receive_calls(*self.needs.arrivals(rng, t, cell, Entry.AMBULANCE_CALL))
        rng = streams["arrivals.self_presented"]
        t, cell = self.self_presentations.day(day, rng)
        self.emergency_care.walk_ins(*self.needs.arrivals(rng, t, cell, Entry.SELF_PRESENTED))
        sent_to_ae, admitted, gave_up = self.primary_care.day(day, streams["gp"])
        self._from_gp(day, sent_to_ae, GP_REFERRAL_HOURS, "arrivals.gp_referred", Entry.GP_REFERRAL)
        self._from_gp(day, admitted, GP_DIRECT_ADMISSION_HOURS, "arrivals.gp_direct", Entry.GP_DIRECT_ADMISSION)
        self._from_gp(day, gave_up, GP_WAIT_TOO_LONG_HOURS, "arrivals.gp_wait", Entry.GP_WAIT_TOO_LONG)
        self._readmissions(day)
        self._crises(day)

    def _crises(self, day: int) -> None:
        """The day's mental health crises: 999 calls, presentations at A&E and GP referrals to the
        crisis team, each from its own stream."""
        for arrivals, stream, entry in self.crises:
            rng = self.streams[stream]
            t, cell = arrivals.day(day, rng)
            times, needs = self.needs.arrivals(rng, t, cell, entry)
            self.mental_health.draw(rng, needs, entry)
            start = {Entry.MENTAL_HEALTH_CALL: self.ambulance.receive_calls,
                     Entry.MENTAL_HEALTH_CRISIS: self.emergency_care.walk_ins,
                     Entry.CRISIS_REFERRAL: self.mental_health.referrals}[entry]
            start(times, needs)

    def _from_gp(self, day: int, cells: np.ndarray, hours: tuple[float, float], stream: str, entry: Entry) -> None:
        """Arrivals of known people (sent by, or tired of waiting for, their GP) during ``hours``."""
        if len(cells) == 0:
            return
        rng = self.streams[stream]
        t = np.sort(day * MINUTES_PER_DAY + (hours[0] + (hours[1] - hours[0]) * rng.random(len(cells))) * 60.0)
        direct = entry == Entry.GP_DIRECT_ADMISSION
        needs = self.needs.make(rng, t, cells, entry, forced_admit=direct)
        start = self.beds.direct_admissions if direct else self.emergency_care.walk_ins
        start(t.tolist(), needs)

    def book_return(self, at: float, need: Need, deteriorated: bool) -> None:
        """A patient coming back to A&E: now, sicker, from a virtual ward, or readmitted later."""
        if deteriorated:
            rng = self.streams["arrivals.deteriorated"]
            t = np.array([at])
            needs = self.needs.make(rng, t, np.array([need.cell]), Entry.DETERIORATED,
                                    previous=np.array([need.pid]), forced_admit=True,
                                    los_multiplier=self.deteriorated_los_multiplier)
            self.ambulance.deteriorations(t.tolist(), needs)
        else:
            self._returns.append((at, need.cell, need.pid))

    def _readmissions(self, day: int) -> None:
        end = (day + 1) * MINUTES_PER_DAY
        due = [r for r in self._returns if r[0] < end]
        if not due:
            return
        self._returns = [r for r in self._returns if r[0] >= end]
        due.sort()
        t = np.array([r[0] for r in due])
        rng = self.streams["arrivals.readmission"]
        needs = self.needs.make(rng, t, np.array([r[1] for r in due]), Entry.READMISSION,
                                previous=np.array([r[2] for r in due]), forced_admit=True)
        self.emergency_care.walk_ins(t.tolist(), needs)
