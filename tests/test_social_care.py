"""The social care market (``sim/social_care.py``): eligibility, the length-biased prefill, and
referrals from the community competing with hospital discharges, against docs/odd.md 3.4.15, 5
and 7.13.

The market is built alone on a SimPy environment (it needs nothing else), with the town's
configuration patched; the places in use are checked against Little's law.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import DAY, QUIET, TOWN, config, fixed

from sim.process import Environment, start_journey
from sim.social_care import SocialCare


def market(*overrides, env: Environment | None = None) -> SocialCare:
    return SocialCare(env or Environment(), config(TOWN, QUIET, *overrides).social_care)


@pytest.mark.parametrize("threshold, need, eligible", [(0.3, 0.3, True), (0.3, 0.2999, False), (0.0, 0.0, True)])
def test_the_council_funds_care_for_a_need_at_or_above_its_threshold_and_counts_the_rest(threshold, need, eligible):
    sc = market({"social_care": {"eligibility_threshold": threshold}})
    assert sc.eligible(need) is eligible
    assert sc.unmet_need == (0 if eligible else 1)


def test_the_council_can_move_its_threshold_during_a_run():
    sc = market({"social_care": {"eligibility_threshold": 0.2}})
    assert sc.eligible(0.25)
    sc.eligibility_threshold = 0.3
    assert not sc.eligible(0.25)


def test_the_prefill_takes_the_initial_share_of_every_place():
    sc = market({"social_care": {"home_care_packages": 203, "care_home_places": 77, "initial_occupancy": 0.9}})
    sc.prefill(np.random.default_rng(1))
    assert sc.home_care.count == round(203 * 0.9) and sc.care_homes.count == round(77 * 0.9)
    assert sc.home_care.queue_length == sc.care_homes.queue_length == 0


def test_prefilled_clients_leave_at_length_biased_residual_times():
    """In a steady state a client's time left is a uniform share of a length-biased stay: with a
    fixed stay of 300 days, uniform on 0-300 days; with a lognormal stay of mean m and standard
    deviation s, of mean (m^2 + s^2) / 2m."""
    lognormal = {"dist": "lognormal", "mean": 300, "sd": 250}
    for dist, mean_left in ((fixed(300), 150.0), (lognormal, (300**2 + 250**2) / 600)):
        env = Environment()
        sc = market({"social_care": {"home_care_packages": 4000, "care_home_places": 0, "initial_occupancy": 1.0,
                                     "home_care_package_days": dist}}, env=env)
        sc.prefill(np.random.default_rng(3))
        left = np.array(sorted(t for t, *_ in env._queue)) / DAY  # each client's release is a timeout
        assert len(left) == 4000 and sc.home_care.count == 4000
        assert left.mean() == pytest.approx(mean_left, rel=0.05)
        if dist["dist"] == "fixed":
            assert left.max() <= 300
            # uniform on 0-300 days: each tenth of the range holds a tenth of the clients
            counts = np.histogram(left, bins=10, range=(0, 300))[0]
            assert np.all(np.abs(counts - 400) < 4 * np.sqrt(400 * 0.9))
        # the clients leave at those times, freeing their places
        env.run(until=left.max() * DAY + 1)
        assert sc.home_care.count == 0


def test_community_referrals_arrive_as_poisson_numbers_a_day_and_the_eligible_or_self_funding_take_a_place():
    """Per day, Poisson(rate / 7) referrals; a share self_funder + (1 - self_funder)(1 - threshold)
    of them start care."""
    rate, sf, threshold, days = 70.0, 0.35, 0.4, 400
    env = Environment()
    sc = market({"social_care": {"home_care_packages": 100_000, "care_home_places": 0,
                                 "home_care_community_starts_per_week": rate,
                                 "care_home_community_admissions_per_week": 0.0, "self_funder_share": sf,
                                 "eligibility_threshold": threshold, "home_care_package_days": fixed(1000)}},
                env=env)
    rng = np.random.default_rng(4)
    started, refused = [], []
    for day in range(days):
        before, unmet = sc.home_care.requests, sc.unmet_need
        sc.community_referrals(rng)
        env.run(until=day * DAY + 1)
        started.append(sc.home_care.requests - before)
        refused.append(sc.unmet_need - unmet)
    referred = np.add(started, refused)
    lam = rate / 7
    assert referred.mean() == pytest.approx(lam, abs=4 * np.sqrt(lam / days))
    assert referred.var(ddof=1) == pytest.approx(lam, rel=0.2)  # Poisson: variance = mean
    p = sf + (1 - sf) * (1 - threshold)
    n = referred.sum()
    assert abs(sum(started) - n * p) < 4 * np.sqrt(n * p * (1 - p))


def test_hospital_and_community_clients_are_served_first_come_first_served():
    env = Environment()
    sc = market({"social_care": {"care_home_places": 1, "care_home_stay_days": fixed(10)}}, env=env)
    order = []

    def client(name, stay):
        wait = sc.care_homes.request()
        if wait:
            yield wait
        order.append((name, env.now))
        yield env.timeout(stay)
        sc.care_homes.release()

    for k, name in enumerate(("community", "hospital", "community again")):
        start_journey(env, client(name, 10.0), delay=float(k))
    env.run(until=100)
    assert order == [("community", 0.0), ("hospital", 10.0), ("community again", 20.0)]


def test_a_market_with_room_to_spare_holds_arrival_rate_times_stay_littles_law():
    rate, stay = 14.0, 60.0
    env = Environment()
    sc = market({"social_care": {"home_care_packages": 10_000, "care_home_places": 0,
                                 "home_care_community_starts_per_week": rate, "self_funder_share": 1.0,
                                 "care_home_community_admissions_per_week": 0.0,
                                 "home_care_package_days": {"dist": "exponential", "mean": stay}}}, env=env)
    rng = np.random.default_rng(5)
    for day in range(1500):
        if day == 300:
            sc.home_care.reset_monitor()  # after a warm-up of five mean stays
        sc.community_referrals(rng)
        env.run(until=(day + 1) * DAY)
    assert sc.home_care.queue_length == 0
    assert sc.home_care.mean_users() == pytest.approx(rate / 7 * stay, rel=0.05)

