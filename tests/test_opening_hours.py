"""A type 1 A&E open only part of the day (``emergency_department.hours``): outside its hours
ambulances and walk-in majors go to the next nearest open A&E, while its urgent care centre stays
open (Central Middlesex, 08:00-19:00 from November 2011)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BASELINE

from agents import health_system
from sim.config import ConfigError, load_config
from sim.geography import Geography
from sim.journeys import Entry
from sim.routing import Router

DAYTIME = {"sites": {"city_royal": {"emergency_department": {"hours": [8, 19]}}}}


def test_hours_are_validated_naming_the_field():
    with pytest.raises(ConfigError) as info:
        load_config(BASELINE, {"sites": {"city_royal": {"emergency_department": {"hours": [19, 8]}}}})
    assert any(p.startswith("sites.city_royal.emergency_department: hours: opens (19) must be before")
               for p in info.value.problems), info.value.problems
    with pytest.raises(ConfigError) as info:
        load_config(BASELINE, {"sites": {"city_royal": {"emergency_department": {"hours": [8, 25]}}}})
    assert any(p.startswith("sites.city_royal.emergency_department.hours[1]:") for p in info.value.problems)


def test_routes_depend_on_the_hour():
    cfg = load_config(BASELINE, DAYTIME)
    router = Router(cfg, Geography(cfg))
    n = len(cfg.sites)
    ed = np.array([s.emergency_department is not None for s in cfg.sites.values()])
    ucc = np.array([s.urgent_care_centre is not None for s in cfg.sites.values()])
    router.update(ed, ed | ucc, ucc)
    city = list(cfg.sites).index("city_royal")
    centre = list(cfg.localities).index("city_centre")
    assert router.ed_site[centre] == city
    assert router.ed_site_at(centre, 12 * 60) == city and router.ed_site_at(centre, 18 * 60 + 59) == city
    for hour in (19, 23, 0, 7):
        for day in (0, 5):
            night = router.ed_site_at(centre, (day * 24 + hour) * 60 + 1)
            assert night != city and cfg.sites[list(cfg.sites)[night]].emergency_department is not None
        assert router.minors_site_at(centre, hour * 60) == city  # its urgent care centre stays open
        assert router.ed_from_site_at(city, hour * 60) != city
    assert router.catchment(city, np.ones(len(cfg.localities))) > 0
    assert len(router.ed_from_site) == n


def test_no_new_patients_reach_a_closed_department_at_night():
    hs = health_system(load_config(BASELINE, DAYTIME), months=1)
    hs.run()
    j = hs.log.frame()
    city = hs.site_names.index("city_royal")
    at_city = j[(j.ed_site == city) & j.t_ed_arrival.notna()]
    hour = (at_city.t_ed_arrival // 60) % 24
    walked = (at_city.entry != Entry.AMBULANCE_CALL) & (at_city.ucc_site < 0)
    # walk-ins arrive in hours; an ambulance that left the scene, or an urgent care centre patient
    # sent on, before 19:00 may arrive a little after
    assert hour[walked].between(8, 18).all()
    late = at_city[~hour.between(8, 18)]
    assert len(late) < 0.01 * len(at_city) and ((late.t_ed_arrival % 1440) < 20 * 60).all()
    assert len(at_city) > 1000
    night_ucc = j[(j.ucc_site == city) & (((j.t_ed_arrival // 60) % 24) < 6)]
    assert len(night_ucc) > 0
    other_eds = j[(j.ed_site >= 0) & (j.ed_site != city) & (((j.t_ed_arrival // 60) % 24) < 6)]
    assert len(other_eds) > 0
