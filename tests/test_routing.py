"""Geography and routing (``sim/geography.py``, ``sim/routing.py``): travel times from coordinates
and measured times, and the nearest open site of each kind, against docs/odd.md 3.4.3 and 7.5.

The two-town footprint (``tests/configs/two_towns.yaml``) has three localities and four sites:
City Royal (A&E, urgent care centre, beds) by the city centre, North General (A&E, beds) by
Northfield, an ambulance station, and Eastgate's urgent care centre in the village to the east.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from footprints import NO_ORGANISATIONS, TWO_TOWNS, config, run

from agents import health_system
from sim.geography import EARTH_RADIUS_KM, Geography, build_graph, haversine_km
from sim.journeys import Entry
from sim.routing import Router


def cosine_law_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance by the spherical law of cosines: an independent formula."""
    p1, p2, dl = map(math.radians, (lat1, lat2, lon2 - lon1))
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


def test_a_degree_of_latitude_is_a_360th_of_the_earths_circumference():
    assert haversine_km(52.0, -1.0, 53.0, -1.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert haversine_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert haversine_km(53.0, -1.2, 53.0, -1.2) == 0.0


def test_haversine_agrees_with_the_spherical_law_of_cosines():
    rng = np.random.default_rng(1)
    for lat1, lon1, lat2, lon2 in zip(*(rng.uniform(-60, 60, 200) for _ in range(4))):
        assert haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(cosine_law_km(lat1, lon1, lat2, lon2), rel=1e-6)
        assert haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(haversine_km(lat2, lon2, lat1, lon1))


def places(cfg):
    return {**{n: (p.lat, p.lon) for n, p in cfg.localities.items()}, **{n: (s.lat, s.lon) for n, s in cfg.sites.items()}}


def test_each_place_is_joined_to_its_nearest_neighbours_by_straight_line_time_with_a_detour():
    cfg = config(TWO_TOWNS, {"travel": {"neighbours": 2}})
    g = build_graph(cfg)
    where = places(cfg)
    per_minute = cfg.travel.road_speed_kmh / 60
    for a, (lat, lon) in where.items():
        nearest = sorted((haversine_km(lat, lon, *where[b]), b) for b in where if b != a)[:2]
        for km, b in nearest:
            assert g.edges[a, b]["minutes"] == pytest.approx(max(km * cfg.travel.detour_factor / per_minute, 1.0))
    # nobody is joined to a place that is not among its own or the other's two nearest
    for a, b in g.edges:
        ranks = [sorted(where, key=lambda p, x=x: haversine_km(*where[x], *where[p]) if p != x else -1).index(y)
                 for x, y in ((a, b), (b, a))]
        assert min(ranks) <= 2, (a, b)


def test_with_every_place_joined_the_travel_time_is_the_direct_one():
    cfg = config(TWO_TOWNS)
    geo = Geography(cfg)
    where = places(cfg)
    per_minute = cfg.travel.road_speed_kmh / 60
    for i, loc in enumerate(cfg.localities):
        for s, site in enumerate(cfg.sites):
            km = haversine_km(*where[loc], *where[site])
            assert geo.minutes[i, s] == pytest.approx(max(km * cfg.travel.detour_factor / per_minute, 1.0))


def test_a_measured_time_replaces_the_estimate_and_a_quicker_way_round_is_taken():
    geo = Geography(config(TWO_TOWNS, {"travel": {"minutes": {"northfield--north_general": 2.0,
                                                              "north_general--city_royal": 5.0}}}))
    north, city, northfield = 2, 0, 0
    assert geo.minutes[northfield, north] == 2.0
    assert geo.minutes[northfield, city] == 7.0  # through North General, not the 32 minutes direct
    assert geo.site_minutes[north, city] == geo.site_minutes[city, north] == 5.0


def test_a_place_far_from_the_rest_is_joined_to_its_nearest_neighbour():
    cfg = config(TWO_TOWNS, {"travel": {"neighbours": 1},
                             "localities": {"faraway": {"lat": 54.5, "lon": -3.0,
                                                        "population": {"0-17": 10, "18-64": 10, "65-84": 10, "85+": 10},
                                                        "frail_share": {"0-17": 0, "18-64": 0, "65-84": 0, "85+": 0}}}})
    geo = Geography(cfg)
    assert np.isfinite(geo.minutes).all() and np.isfinite(geo.site_minutes).all()


# --- the router ----------------------------------------------------------------------------------------

def router(*overrides) -> tuple[Router, Geography, list[str], list[str]]:
    cfg = config(TWO_TOWNS, *overrides)
    geo = Geography(cfg)
    r = Router(cfg, geo)
    ed = np.array([bool(s.emergency_department and s.emergency_department.open) for s in cfg.sites.values()])
    minors = ed | np.array([bool(s.urgent_care_centre and s.urgent_care_centre.open) for s in cfg.sites.values()])
    r.update(ed, minors)
    return r, geo, list(cfg.localities), list(cfg.sites)


def brute_force_nearest(minutes: np.ndarray, candidates: list[int]) -> list[int]:
    return [min(candidates, key=lambda s: (row[s], s)) for row in minutes]


def test_patients_go_to_the_nearest_open_site_of_the_kind_they_need():
    r, geo, localities, sites = router()
    named = dict(zip(localities, (sites[s] for s in r.ed_site)))
    assert named == {"northfield": "north_general", "city_centre": "city_royal", "eastgate": "city_royal"}
    minors = dict(zip(localities, (sites[s] for s in r.minors_site)))
    assert minors == {"northfield": "north_general", "city_centre": "city_royal", "eastgate": "eastgate_utc"}
    assert r.ed_site == brute_force_nearest(geo.minutes, [0, 2])
    assert r.minors_site == brute_force_nearest(geo.minutes, [0, 2, 3])
    assert sites[r.ed_from_site[sites.index("eastgate_utc")]] == "city_royal"
    assert [sites[s] for s in r.ward_for_locality] == ["north_general", "city_royal", "city_royal"]


def test_a_site_without_beds_sends_its_admissions_to_the_nearest_site_with_beds():
    r, _, _, sites = router()
    assert [sites[s] for s in r.bed_site] == ["city_royal", "north_general", "north_general", "city_royal"]


def test_ambulances_set_off_from_the_nearest_station():
    r, geo, _, sites = router()
    stations = [sites.index(s) for s in ("city_royal", "northfield_station", "north_general")]
    np.testing.assert_allclose(r.station_minutes, geo.minutes[:, stations].min(axis=1))


def test_closing_an_ae_sends_its_patients_to_the_next_nearest():
    r, geo, localities, sites = router({"sites": {"north_general": {"emergency_department": {"open": False}}}})
    assert [sites[s] for s in r.ed_site] == ["city_royal"] * 3
    assert sites[r.minors_site[0]] == "city_royal"  # Northfield's minors too: North General has no UCC
    assert [sites[s] for s in r.bed_site] == ["city_royal", "north_general", "north_general", "city_royal"]


def test_closing_an_urgent_care_centre_sends_its_minors_to_the_nearest_ae_or_urgent_care_centre():
    r, _, _, sites = router({"sites": {"eastgate_utc": {"urgent_care_centre": {"open": False}}}})
    assert sites[r.minors_site[2]] == "city_royal"


def test_ties_go_to_the_first_site_in_the_config():
    geo = Geography(config(TWO_TOWNS, {"travel": {"minutes": {"eastgate--city_royal": 9.0,
                                                              "eastgate--north_general": 9.0}}}))
    assert geo.nearest(2, np.array([True, False, True, False])) == 0


def test_with_no_ae_open_the_router_refuses():
    r, _, _, _ = router()
    with pytest.raises(ValueError, match="no type 1 A&E is open"):
        r.update(np.zeros(4, bool), np.array([False, False, False, True]))


def test_a_sites_catchment_is_the_people_whose_nearest_ae_it_is():
    r, _, _, _ = router()
    people = np.array([100.0, 20.0, 3.0])
    assert r.catchment(0, people) == 23.0 and r.catchment(2, people) == 100.0 and r.catchment(3, people) == 0.0


# --- through the model ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_towns():
    return run(TWO_TOWNS, NO_ORGANISATIONS)


def test_walk_ins_are_streamed_to_the_urgent_care_centre_or_the_ae_their_acuity_needs(two_towns):
    hs = two_towns
    j = hs.log.frame()
    site = {n: i for i, n in enumerate(hs.site_names)}
    first = j[j.entry.isin([Entry.SELF_PRESENTED, Entry.GP_REFERRAL]) & j.t_ed_arrival.notna()
              & ((j.ucc_site >= 0) | (j.ed_site >= 0))]
    majors = first[first.acuity <= hs.cfg.ae.majors_acuity_max]
    minors = first[first.acuity > hs.cfg.ae.majors_acuity_max]
    assert len(majors) > 200 and len(minors) > 200
    assert (majors.ucc_site == -1).all()
    expected_ed = np.array(hs.router.ed_site)[majors.locality]
    assert (majors.ed_site.to_numpy() == expected_ed).all()
    # minors: every one starts at an urgent care centre (each of this footprint's nearest has one)
    # except Northfield's, whose nearest, North General, has an A&E only
    northfield = minors.locality == 0
    assert (minors[northfield].ed_site == site["north_general"]).all() and (minors[northfield].ucc_site == -1).all()
    others = minors[~northfield]
    assert (others.ucc_site.to_numpy() == np.array(hs.router.minors_site)[others.locality]).all()
    assert set(others[others.locality == 2].ucc_site) == {site["eastgate_utc"]}
    sent_on = others[others.ed_site >= 0]
    assert len(sent_on) > 0 and (sent_on.ed_site == site["city_royal"]).all()


def test_closing_an_ae_reroutes_its_demand():
    hs = run(TWO_TOWNS, NO_ORGANISATIONS, {"sites": {"north_general": {"emergency_department": {"open": False}}}})
    north = hs.site_names.index("north_general")
    assert north not in hs.router.ed_site
    j = hs.log.frame()
    assert (j.ed_site == north).sum() == 0
    northfield = j[(j.locality == 0) & j.t_ed_arrival.notna()]
    city = hs.site_names.index("city_royal")
    assert len(northfield) > 200 and ((northfield.ed_site == city) | (northfield.ucc_site == city)).all()
    # its beds stay open for Northfield's GP direct admissions
    assert ((j.entry == Entry.GP_DIRECT_ADMISSION) & (j.bed_site == north)).any()


def test_closing_an_ae_during_a_run_moves_new_arrivals_only():
    hs = health_system(config(TWO_TOWNS, NO_ORGANISATIONS), months=2)
    hs.step()
    closed_at = hs.env.now
    hs.set_site_open("north_general", emergency_department=False)
    hs.step()
    j = hs.log.frame()
    north = hs.site_names.index("north_general")
    # a crew picks its A&E when it reaches the patient: within a few hours all go elsewhere
    later = j[(j.t_ed_arrival > closed_at + 240) & (j.entry == Entry.AMBULANCE_CALL)]
    assert len(later) > 200
    assert (later.ed_site == north).sum() == 0
    assert ((j.ed_site == north) & (j.t_ed_arrival < closed_at)).sum() > 200
    assert hs.router.ed_site == [0, 0, 0]
    hs.set_site_open("north_general", emergency_department=True)  # and opening it again brings them back
    assert hs.router.ed_site == [north, 0, 0]
