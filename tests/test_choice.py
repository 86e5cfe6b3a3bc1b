"""Where patients go when A&Es keep hours and people choose among them.

An A&E open only part of the day (``emergency_department.hours``: outside its hours ambulances and
walk-in majors go to the next nearest open A&E, while its urgent care centre stays open; Central
Middlesex, 08:00-19:00 from November 2011); a choice among A&Es (``travel.ed_choice_decay_minutes``,
a Huff model); crews' own weights; ambulances standing by within localities and conveying from the
scene.
"""

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
    assert any(p.startswith("sites.city_royal.emergency_department.hours: opens (19) must be before")
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
    walked = ~at_city.entry.isin([Entry.AMBULANCE_CALL, Entry.MENTAL_HEALTH_CALL]) & (at_city.ucc_site < 0)
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


CHOICE = {"travel": {"ed_choice_decay_minutes": 5},
          "sites": {"city_royal": {"emergency_department": {"attractiveness": 4.0}}}}


def _router(overrides):
    cfg = load_config(BASELINE, overrides)
    router = Router(cfg, Geography(cfg))
    ed = np.array([s.emergency_department is not None for s in cfg.sites.values()])
    ucc = np.array([s.urgent_care_centre is not None for s in cfg.sites.values()])
    router.update(ed, ed | ucc, ucc)
    return cfg, router


def test_a_choice_model_shares_patients_by_attractiveness_and_distance():
    cfg, router = _router(CHOICE)
    sites, localities = list(cfg.sites), list(cfg.localities)
    city = sites.index("city_royal")
    for i in range(len(localities)):
        p = router.ed_choice(i, 12 * 60)
        assert sum(p.values()) == pytest.approx(1.0)
        assert all(cfg.sites[sites[s]].emergency_department is not None for s in p)
        # the patient's uniform picks a site in proportion to its probability
        u = np.linspace(0, 1, 2001, endpoint=False)
        picked = np.array([router.ed_site_at(i, 12 * 60, x) for x in u])
        for s, share in p.items():
            assert (picked == s).mean() == pytest.approx(share, abs=2e-3)
    # the nearest site is the likeliest for its own locality unless a farther one is more attractive
    centre = localities.index("city_centre")
    assert max(router.ed_choice(centre, 0).items(), key=lambda kv: kv[1])[0] == city
    _, plain = _router({"travel": {"ed_choice_decay_minutes": 5}})
    north = localities.index("northfield")
    assert router.ed_choice(north, 0).get(city, 0) > plain.ed_choice(north, 0).get(city, 0)


def test_crews_can_choose_with_their_own_weights():
    cfg, router = _router({"travel": {"ed_choice_decay_minutes": 5},
                           "sites": {"city_royal": {"emergency_department": {"crew_attractiveness": 0.01}}}})
    city = list(cfg.sites).index("city_royal")
    centre = list(cfg.localities).index("city_centre")
    assert router.ed_choice(centre, 0, crew=True).get(city, 0) < 0.5 * router.ed_choice(centre, 0)[city]


def test_without_a_choice_model_everyone_goes_to_the_nearest():
    cfg, router = _router(None)
    for i in range(len(cfg.localities)):
        assert router.ed_choice(i, 600) == {router.ed_site[i]: 1.0}
        assert router.ed_site_at(i, 600, 0.99) == router.ed_site[i]
        assert router.ward_at(i, 600, 0.99) == router.ward_for_locality[i]


def test_choice_respects_opening_hours():
    cfg, router = _router({**CHOICE, "sites": {"city_royal": {"emergency_department": {"attractiveness": 4.0,
                                                                                      "hours": [8, 19]}}}})
    city = list(cfg.sites).index("city_royal")
    for i in range(len(cfg.localities)):
        assert city in router.ed_choice(i, 12 * 60)
        assert city not in router.ed_choice(i, 3 * 60)


def test_choice_sends_patients_and_direct_admissions_beyond_the_nearest():
    hs = health_system(load_config(BASELINE, CHOICE), months=1)
    hs.run()
    j = hs.log.frame()
    centre = list(hs.cfg.localities).index("city_centre")
    mine = j[(j.locality == centre) & (j.ed_site >= 0)]
    assert mine.ed_site.nunique() >= 2
    direct = j[j.entry == Entry.GP_DIRECT_ADMISSION]
    assert direct.bed_site.nunique() >= 2


def test_standby_in_localities_and_conveyance_from_the_scene():
    cfg, router = _router({"ambulance": {"standby_in_localities": True}})
    assert router.station_minutes == [0.0] * len(cfg.localities)
    scene = {"ambulance": {"conveyance_from_scene": True, "standby_in_localities": True}}
    hs = health_system(load_config(BASELINE, scene), months=1, seed=3)
    hs.run()
    j = hs.log.frame()
    calls = j[(j.entry == Entry.AMBULANCE_CALL) & (j.ed_site >= 0)]
    geo, speed = hs.geo, hs.cfg.ambulance.blue_light_speedup
    centre = np.array([geo.travel[loc][site] / speed for loc, site in zip(calls.locality, calls.ed_site)])
    extra = calls.conveyance_minutes.to_numpy() - centre
    assert (extra > -1e-3).all() and extra.mean() > 1  # the drive back across the locality is added
