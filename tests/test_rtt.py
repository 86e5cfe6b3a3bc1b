"""The elective waiting list as referral to treatment (``sim/rtt.py``, docs/odd.md 7.20).

Every pathway accounted for (on the list, stopped or removed, day by day against the census);
a cancelled operation rebooked exactly once per cancellation; capacity given in priority order
on a list built by hand; Little's law on the list in steady state; reproducibility; bad config
refused naming the field; and the baseline's list against England's published figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from footprints import DAY, FIXED_DURATIONS, QUIET, TOWN, Wired, config, health_system, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import load_raw, validate
from sim.config.loading import ConfigError, deep_merge
from sim.journeys import End, Entry
from sim.kpis import rtt_events, summary_kpis
from sim.primary_care import GpOutcome
from sim.rtt import PathwayEnd, Source, Stage, _oldest, initial_list_waits

TOWN_RAW = load_raw(TOWN)
REFERENCE = yaml.safe_load((TOWN.parents[2] / "sim" / "reference" / "england.yaml").read_text())["rtt"]
SHORT = {"run": {"warmup_days": 30}}


def on_list_at_midnight(p: pd.DataFrame, day: int) -> np.ndarray:
    """Pathways on the list at the midnight that begins ``day``: started before it (or on the
    initial list) and not stopped before it (a clock stopped today stopped after the census)."""
    started = (p.clock_start < day) | (p.source == Source.INITIAL)
    return (started & ((p.stop_day < 0) | (p.stop_day >= day))).to_numpy()


# --- conservation ----------------------------------------------------------------------------------


def test_every_referral_is_on_the_list_treated_or_removed_with_a_reason():
    hs = run(TOWN, SHORT, months=3)
    wl = hs.waiting_list
    p = wl.frame()
    waiting = p.end == PathwayEnd.WAITING
    # one state each: on the list (at a stage) or ended with a reason and a day
    assert set(p.end.unique()) <= {e.value for e in PathwayEnd}
    assert (p.stage[waiting] != Stage.STOPPED).all() and (p.stage[~waiting] == Stage.STOPPED).all()
    assert (p.stop_day[~waiting] >= 0).all() and (p.stop_day[waiting] == -1).all()
    assert (p.stop_day[~waiting] >= p.clock_start[~waiting]).all()
    # stops by how they happen: non-admitted stops never needed admission; admissions did, seen first
    assert not p.admit[p.end == PathwayEnd.NON_ADMITTED].any()
    admitted = p[p.end.isin([PathwayEnd.DAY_CASE, PathwayEnd.ADMITTED])]
    assert admitted.admit.all() and (admitted.decided_day >= 0).all()
    assert (p.day_case[p.end == PathwayEnd.DAY_CASE]).all() and not p.day_case[p.end == PathwayEnd.ADMITTED].any()
    # an overnight admission is an elective journey in a bed at its site on its stop day
    j = hs.log.frame()
    overnight = p[p.end == PathwayEnd.ADMITTED]
    rows = j.loc[overnight.journey.to_numpy()]
    assert (rows.entry == Entry.ELECTIVE).all() and rows.admitted.all()
    assert (rows.bed_site.to_numpy() == overnight.site.to_numpy()).all()
    assert ((rows.t_bed // 1440).to_numpy() == overnight.stop_day.to_numpy()).all()
    # every GP referral started a clock, and only they did
    gp = hs.primary_care.log.frame()
    assert (p.source == Source.GP).sum() == (gp.outcome == GpOutcome.REFERRED_ELECTIVE).sum() > 0
    # the census counts exactly the pathways on the list, every midnight, at every site
    census = hs.census.frame()
    rows = census[census.service == "rtt_waiting_list"]
    for day in range(0, int(rows.day.max()) + 1, 7):
        listed = on_list_at_midnight(p, day)
        assert rows[rows.day == day].queue.sum() == listed.sum()
    # the flows add up: on the list at the end = initial + starts - stops - removals
    ev = rtt_events(hs)
    counts = ev.kind.value_counts()
    stopped = sum(int(counts.get(k, 0)) for k in ("nonadmitted_stop", "day_case_stop", "admitted_stop", "removed"))
    assert int((p.source == Source.INITIAL).sum()) + int(counts["clock_start"]) - stopped == int(waiting.sum())


def test_the_flows_are_built_once_for_a_time_of_the_clock_and_again_when_it_moves():
    hs = health_system(config(TOWN, SHORT), months=2)
    hs.step()
    first = rtt_events(hs)
    assert rtt_events(hs) is first  # every KPI measured at this time reads the same table
    hs.step()
    later = rtt_events(hs)
    assert later is not first and len(later) > len(first)
    assert (later.month == 1).any() and not (first.month == 1).any()


# --- cancellations -------------------------------------------------------------------------------


def rebooked_exactly_once(hs) -> int:
    """Check, over a run, that every on-the-day cancellation of an RTT pathway was followed by
    exactly one booking (or is still awaiting it); returns the number of cancellations."""
    wl = hs.waiting_list
    p, c = wl.frame(), wl.cancellations.frame()
    j = hs.log.frame()
    pending = p.rebook.astype(int)  # cancelled and not yet booked again
    assert (p.rebookings + pending == p.cancellations).all()
    if len(c):
        assert (c.groupby("pathway").size() == p.cancellations[p.cancellations > 0]).all()
    # each cancelled journey is followed by at most one booking (a journey naming it as previous)
    cancelled = j.index[j.end == End.ELECTIVE_CANCELLED]
    assert (j[j.previous.isin(cancelled)].groupby("previous").size() <= 1).all()
    # walking back from an admitted pathway's journey passes through exactly its cancellations
    for pid in p.index[(p.end == PathwayEnd.ADMITTED) & (p.cancellations > 0)]:
        chain, k = [], int(p.journey[pid])
        while k >= 0:
            chain.append(k)
            k = int(j.previous[k])
        assert len(chain) == p.cancellations[pid] + 1
        assert (j.end[chain[1:]] == End.ELECTIVE_CANCELLED).all() and j.admitted[chain[0]]
    return len(c)


def test_a_cancelled_operation_is_rebooked_exactly_once_per_cancellation():
    w = Wired(config(TOWN, QUIET, FIXED_DURATIONS, {"sites": {"city_royal": {"beds": 2, "elective_beds": 0}}},
                     {"rtt": TOWN_RAW["rtt"] | {"initial_list_per_1000": 0.0, "in_turn_share": 1.0}}))
    wl, beds = w.services.waiting_list, w.beds
    ward = beds.wards[0]
    ids = hand_made_list(w, [(-300, False, False), (-200, False, False), (-100, False, False), (-50, False, False)])
    wl.log.day_case[ids] = False
    wl.theatre_cases_per_day[0] = 3.0

    def admit(booked):
        beds.admit_electives(ward, len(booked), [int(wl.log.journey[b]) for b in booked], None, booked.tolist())

    _, booked = wl.book(0, 0, beds=3)  # three booked for two beds: the last is cancelled on the day
    assert list(booked) == list(ids[:3])
    admit(booked)
    assert list(wl.log.end[ids[:2]]) == [PathwayEnd.ADMITTED] * 2
    assert wl.log.cancellations[ids[2]] == 1 and wl.log.rebook[ids[2]] and wl.log.stage[ids[2]] == Stage.ADMISSION
    w.run(1 * DAY)
    _, booked = wl.book(0, 1, beds=2)  # the cancelled one first, then the last pathway
    assert booked[0] == ids[2] and wl.log.rebookings[ids[2]] == 1 and not wl.log.rebook[ids[2]]
    _, again = wl.book(0, 1, beds=2)  # a booked pathway is not booked a second time
    assert ids[2] not in again
    admit(booked)  # the beds are still full: both cancelled (the first for the second time)
    assert wl.log.cancellations[ids[2]] == 2 and wl.log.rebook[ids[2]] and wl.log.cancellations[ids[3]] == 1
    w.run(4 * DAY)  # the first two have gone home (three-day stays)
    _, booked = wl.book(0, 4, beds=2)
    admit(booked)
    assert (wl.log.end[ids] == PathwayEnd.ADMITTED).all()
    assert list(wl.log.rebookings[ids]) == list(wl.log.cancellations[ids]) == [0, 0, 2, 1]
    c = wl.cancellations.frame()
    assert list(c.pathway) == [ids[2], ids[2], ids[3]] and list(c.day) == [0, 1, 1] and (c.admitted_day == 4).all()

    class Run:  # what ``rebooked_exactly_once`` reads of a run
        waiting_list, log = wl, w.log
    assert rebooked_exactly_once(Run) == 3


# --- priority ---------------------------------------------------------------------------------------


def hand_made_list(w: Wired, rows: list[tuple[int, bool, bool]]) -> np.ndarray:
    """Pathways awaiting admission at site 0 as (clock start day, urgent, awaiting a rebooking), day cases."""
    wl = w.services.waiting_list
    log = wl.log
    ids = log.new_block(len(rows))
    log.clock_start[ids] = [r[0] for r in rows]
    log.urgent[ids] = [r[1] for r in rows]
    log.rebook[ids] = [r[2] for r in rows]
    log.site[ids] = 0
    log.admit[ids] = log.day_case[ids] = True
    log.stage[ids] = Stage.ADMISSION
    log.source[ids] = Source.OTHER
    wl.active = ids.astype(np.int64)
    return ids


LIST = [(-300, False, False), (-10, True, False), (-50, False, True), (-400, False, False),
        (-20, True, False), (-5, False, True), (-100, False, False)]


@pytest.mark.parametrize("in_turn", [1.0, 0.0])
def test_theatre_lists_go_to_rebookings_then_urgent_then_the_longest_waiting(in_turn):
    w = Wired(config(TOWN, QUIET, {"rtt": TOWN_RAW["rtt"] | {"initial_list_per_1000": 0.0, "in_turn_share": in_turn}}))
    wl = w.services.waiting_list
    ids = hand_made_list(w, LIST)
    wl.theatre_cases_per_day[0] = 6.0
    treated, booked = wl.book(0, 0, beds=0)
    assert len(booked) == 0 and len(treated) == 6
    rebook = [ids[2], ids[5]]  # cancelled first, earliest clock first
    urgent = [ids[4], ids[1]]  # then urgent, longest waiting first
    assert list(treated[:4]) == rebook + urgent
    assert set(treated[4:]) <= {ids[0], ids[3], ids[6]}  # then routine ones
    if in_turn == 1.0:  # all in turn: the longest routine waiters, and the shortest waits on
        assert list(treated[4:]) == [ids[3], ids[0]]
        assert wl.log.stage[ids[6]] == Stage.ADMISSION


def test_an_overnight_case_waits_when_no_bed_is_expected_and_a_day_case_goes_ahead():
    w = Wired(config(TOWN, QUIET, {"rtt": TOWN_RAW["rtt"] | {"initial_list_per_1000": 0.0, "in_turn_share": 1.0}}))
    wl = w.services.waiting_list
    ids = hand_made_list(w, [(-300, False, False), (-200, False, False), (-100, False, False)])
    wl.log.day_case[ids[0]] = False  # the longest waiter needs a bed
    wl.theatre_cases_per_day[0] = 2.0
    treated, booked = wl.book(0, 0, beds=0)
    assert list(treated) == [ids[1], ids[2]] and len(booked) == 0
    assert wl.log.stage[ids[0]] == Stage.ADMISSION
    ids = hand_made_list(w, [(-300, False, False), (-200, False, False)])
    wl.log.day_case[ids[0]] = False
    treated, booked = wl.book(0, 0, beds=1)
    assert list(booked) == [ids[0]] and list(treated) == [ids[1]]
    assert wl.log.stage[ids[0]] == Stage.BOOKED


# --- queueing theory: Little's law ---------------------------------------------------------------


def test_littles_law_holds_on_the_list_in_steady_state():
    """Over a stretch in steady state, the mean number on the list equals the rate pathways leave
    it (stops and removals) times the mean time they spent on it."""
    hs = run(TOWN, {"run": {"warmup_days": 540}}, months=12)
    p = hs.waiting_list.frame()
    census = hs.census.frame()
    rows = census[(census.service == "rtt_waiting_list") & (census.month >= 0)]
    days = rows.day.nunique()
    mean_list = rows.groupby("day").queue.sum().mean()
    first, last = int(rows.day.min()), int(rows.day.max())
    left = p[(p.stop_day >= first) & (p.stop_day <= last)]
    rate = len(left) / days
    wait = (left.stop_day - left.clock_start).mean()
    assert mean_list == pytest.approx(rate * wait, rel=0.08)
    # and the list is steady: its first and last months differ by under 5%
    monthly = rows.groupby("month").queue.sum() / rows.groupby("month").day.nunique()
    assert monthly.iloc[-1] == pytest.approx(monthly.iloc[0], rel=0.05)


# --- reproducibility ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_list_and_another_seed_another():
    a = run(TOWN, SHORT, months=1, seed=7).waiting_list.frame()
    b = run(TOWN, SHORT, months=1, seed=7).waiting_list.frame()
    c = run(TOWN, SHORT, months=1, seed=8).waiting_list.frame()
    pd.testing.assert_frame_equal(a, b)
    assert not (len(a) == len(c) and a.equals(c))


def test_the_initial_list_has_the_published_shares_under_18_and_over_52_weeks():
    waits = initial_list_waits(200_000, 0.598, 0.026, np.random.default_rng(3))
    assert np.mean(waits < 18 * 7) == pytest.approx(0.598, abs=0.005)
    assert np.mean(waits > 52 * 7) == pytest.approx(0.026, abs=0.002)


def test_without_rtt_electives_arrive_as_before():
    hs = run(TOWN, SHORT, {"rtt": None}, months=1)
    assert hs.waiting_list is None
    s = summary_kpis(hs)
    assert np.isnan(s["rtt_waiting_list"]) and np.isnan(s["rtt_clock_starts_per_1000"])
    assert s["elective_admissions_per_1000"] > 0


# --- bad input --------------------------------------------------------------------------------------------

BOUNDED = {"urgent_share": (0, 1), "admitted_share": (0, 1), "day_case_share": (0, 1), "removal_per_month": (0, 1),
           "in_turn_share": (0, 1), "outpatient_stops_per_1000_per_week": (0, 1000), "cases_per_session": (0, 20),
           "theatre_sessions_per_week_per_100_beds": (0, 1000), "initial_list_per_1000": (0, 1000),
           "rebook_within_days": (0, 365)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(BOUNDED)), excess=st.floats(1e-3, 1e6, allow_nan=False), below=st.booleans())
def test_a_number_out_of_bounds_is_refused_naming_its_field(field, excess, below):
    low, high = BOUNDED[field]
    value = low - excess if below else high + excess
    if field == "rebook_within_days":
        value = int(value) + (-1 if below else 1)
    with pytest.raises(ConfigError, match=rf"rtt\.{field}"):
        validate(deep_merge(TOWN_RAW, {"rtt": {field: value}}), "town")


@pytest.mark.parametrize("patch, field", [
    ({"specialty_shares": {"ent": 0.5}}, "rtt"),  # no longer sum to 1
    ({"theatre_sessions_per_week": {"nowhere": 10}}, "rtt.theatre_sessions_per_week.nowhere"),
    ({"other_referrals_per_1000": {"0-17": -1}}, "rtt.other_referrals_per_1000.0-17"),
    ({"initial_within_18_weeks_share": 0.99, "initial_over_52_weeks_share": 0.05}, "rtt"),
    ({"urgent_shar": 0.1}, "rtt.urgent_shar"),
])
def test_an_incoherent_waiting_list_is_refused_naming_the_field(patch, field):
    with pytest.raises(ConfigError) as err:
        validate(deep_merge(TOWN_RAW, {"rtt": patch}), "town")
    assert field in str(err.value)


# --- calibration ------------------------------------------------------------------------------------------


def test_the_baselines_list_has_englands_size_and_18_week_share(baseline_year):
    """One baseline year: the list per 1,000 people and the share waiting under 18 weeks at the end of
    the year within England's published ranges (2024/25), clock starts near England's rate."""
    s = summary_kpis(baseline_year)
    low, high = REFERENCE["waiting_list_per_1000"]["range"]
    assert low <= s["rtt_waiting_list_per_1000"] <= high
    low, high = REFERENCE["within_18_weeks_share"]["range"]
    assert low <= s["rtt_18_week_share"] <= high
    low, high = REFERENCE["clock_starts_per_1000"]["range"]
    assert low <= s["rtt_clock_starts_per_1000"] <= high * 1.02
    assert 0 < s["rtt_52_week_share"] < 0.06
    # and over the year every cancelled operation was rebooked exactly once per cancellation
    assert rebooked_exactly_once(baseline_year) > 0


# --- organisations: activity and money -------------------------------------------------------------


def test_admitted_pathways_are_counted_as_elective_admissions_for_the_tariff():
    """The trust's elective admissions of a month (what the tariff's ``elective_inpatient`` pays,
    agents/acute_trust.py) are the list's overnight admissions that month plus the planned
    admissions that are not RTT pathways; day cases are not elective inpatients."""
    hs = run(TOWN, SHORT, months=2)
    p = hs.waiting_list.frame()
    j = hs.log.frame()
    cal = hs.calendar
    rtt_journeys = set(p.journey[p.end == PathwayEnd.ADMITTED])
    planned = j[(j.entry == Entry.ELECTIVE) & j.admitted & ~j.index.isin(rtt_journeys)]
    assert len(planned) > 0 and len(rtt_journeys) > 0
    for m in range(2):
        lo, hi = cal.month_starts[m] / 1440, cal.month_starts[m + 1] / 1440
        activity = hs.organisations.meter.month(m)
        counted = sum(a.elective_admissions for a in activity.sites.values())
        overnight = int(((p.end == PathwayEnd.ADMITTED) & (p.stop_day >= lo) & (p.stop_day < hi)).sum())
        others = int(((planned.t_bed / 1440 >= lo) & (planned.t_bed / 1440 < hi)).sum())
        assert counted == overnight + others > 0


@settings(max_examples=300, deadline=None)
@given(clocks=st.lists(st.integers(-60, 5), min_size=1, max_size=300), data=st.data())
def test_the_longest_waiters_are_the_first_of_a_sort_by_clock_then_pathway(clocks, data):
    """The longest routine waiters are taken by a partial selection (``_oldest``): the same pathways,
    in the same order, as sorting every clock, earliest first, ties by pathway (the list's order)."""
    clock = np.asarray(clocks, dtype=np.int32)  # few distinct days: many ties
    count = data.draw(st.integers(1, len(clock)))
    ids = np.arange(len(clock))
    expected = np.lexsort((ids, clock))[:count]
    assert _oldest(clock, count).tolist() == expected.tolist()
