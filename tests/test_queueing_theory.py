"""``sim.capacity`` against queueing theory (formulas in ``tests/queueing.py``) and exact scripts.

Statistical checks use independent replications (fixed seeds, warm-up discarded) and a 99% Student
t-interval for the mean over replications; the theoretical value must lie inside it.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from queueing import (
    erlang_b,
    erlang_c,
    mmc_lq,
    mmc_wq,
    offered_load_for_occupancy,
    priority_wq,
    replicate,
    t_interval,
)

from sim.capacity import Capacity
from sim.process import start_journey

REPS = 10


def assert_in_ci(samples, expected, what, confidence=0.99):
    lo, hi = t_interval(samples, confidence)
    assert lo <= expected <= hi, f"{what}: theory {expected:.6g} outside {confidence:.0%} CI [{lo:.6g}, {hi:.6g}]"


# --- the yardstick itself -------------------------------------------------------------------------


def _erlang_b_direct(c, a):
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def _erlang_c_direct(c, a):
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_formulas_known_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert mmc_wq(1, 0.7, 1.0) == pytest.approx(0.7 / (1.0 - 0.7))  # M/M/1: rho / (mu - lam)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(5, 4.0) == pytest.approx(0.5541, abs=1e-4)
    # Cobham with a single class is plain M/M/c.
    assert priority_wq(3, [2.0], 1.0)[0] == pytest.approx(mmc_wq(3, 2.0, 1.0))


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 40), rho=st.floats(0.01, 0.99))
def test_erlang_recursion_matches_closed_forms(c, rho):
    a = rho * c
    assert erlang_b(c, a) == pytest.approx(_erlang_b_direct(c, a), rel=1e-9)
    assert erlang_c(c, a) == pytest.approx(_erlang_c_direct(c, a), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(c=st.integers(1, 10), rho=st.floats(0.05, 0.95), split=st.floats(0.05, 0.95))
def test_priority_formula_conserves_work(c, rho, split):
    """Non-preemptive priority does not change the arrival-weighted mean wait (conservation law)."""
    lam = rho * c
    lams = [split * lam, (1 - split) * lam]
    w = priority_wq(c, lams, 1.0)
    assert (lams[0] * w[0] + lams[1] * w[1]) / lam == pytest.approx(mmc_wq(c, lam, 1.0), rel=1e-9)
    assert w[0] <= w[1]


# --- M/M/c ----------------------------------------------------------------------------------------

MMC_CASES = {
    "c5_A4": dict(lam=4.0, mu=1.0, c=5, horizon=5000.0, warmup=200.0),
    "c10_A9": dict(lam=9.0, mu=1.0, c=10, horizon=6000.0, warmup=300.0),
}


@cache
def mmc_runs(case: str):
    return tuple(replicate(REPS, 1000, **MMC_CASES[case]))


@pytest.mark.parametrize("case", sorted(MMC_CASES))
def test_mmc_probability_of_waiting_is_erlang_c(case):
    p = MMC_CASES[case]
    runs = mmc_runs(case)
    assert all(r.arrivals > 10_000 for r in runs)
    assert_in_ci([r.waited_share for r in runs], erlang_c(p["c"], p["lam"] / p["mu"]), "P(wait)")


@pytest.mark.parametrize("case", sorted(MMC_CASES))
def test_mmc_mean_wait_is_erlang_c_over_spare_capacity(case):
    p = MMC_CASES[case]
    assert_in_ci([r.mean_wait for r in mmc_runs(case)], mmc_wq(p["c"], p["lam"], p["mu"]), "Wq")


@pytest.mark.parametrize("case", sorted(MMC_CASES))
def test_mmc_request_counters_match_observed_waits(case):
    for r in mmc_runs(case):
        # Every customer arriving in the window requested once; those granted at once did not wait.
        assert r.requests == r.arrivals
        assert r.immediate == int(np.sum(r.waits == 0))


@pytest.mark.parametrize("case", sorted(MMC_CASES))
def test_littles_law_on_the_queue(case):
    """Lq (time average from the pool's monitor) = lambda * Wq, replication by replication."""
    p = MMC_CASES[case]
    runs = mmc_runs(case)
    # Observed arrival rate x observed mean wait, i.e. total wait of the window's arrivals / T.
    diffs = [r.mean_queue - r.arrival_rate * r.mean_wait for r in runs]
    assert_in_ci(diffs, 0.0, "Lq - lambda Wq")
    assert_in_ci([r.mean_queue for r in runs], mmc_lq(p["c"], p["lam"], p["mu"]), "Lq")


@pytest.mark.parametrize("case", sorted(MMC_CASES))
def test_littles_law_on_the_servers(case):
    """Time-average units in use = lambda x mean service time (= offered load A in M/M/c)."""
    p = MMC_CASES[case]
    runs = mmc_runs(case)
    assert_in_ci([r.mean_users for r in runs], p["lam"] / p["mu"], "L_servers")
    assert_in_ci([r.mean_users - r.arrival_rate * r.services.mean() for r in runs], 0.0, "L - lambda E[S]")
    assert_in_ci([r.utilisation for r in runs], p["lam"] / p["mu"] / p["c"], "utilisation")


def test_fifo_pool_grants_in_arrival_order():
    for r in mmc_runs("c5_A4")[:2]:
        assert np.all(np.diff(r.start_order) > 0)


# --- M/M/c/c (loss) -------------------------------------------------------------------------------

# sim/reference/england.yaml, queueing.erlang_b_blocking_at_occupancy: blocking at mean occupancy
# 85/90/95%. Mean occupancy is the *carried* load A (1 - B) over c, not the offered load A / c.
REFERENCE_BLOCKING = {
    50: [0.053, 0.113, 0.255],
    100: [0.015, 0.045, 0.135],
    300: [0.0006, 0.0057, 0.037],
    1000: [0.0, 0.0001, 0.0046],
}
OCCUPANCIES = [0.85, 0.90, 0.95]


@pytest.mark.parametrize("beds", sorted(REFERENCE_BLOCKING))
def test_reference_blocking_table_is_erlang_b_at_carried_occupancy(beds):
    for occupancy, table in zip(OCCUPANCIES, REFERENCE_BLOCKING[beds]):
        a = offered_load_for_occupancy(beds, occupancy)
        assert a * (1 - erlang_b(beds, a)) == pytest.approx(occupancy * beds, rel=1e-9)
        assert erlang_b(beds, a) == pytest.approx(table, abs=5e-4)


def test_reference_blocking_table_is_not_offered_occupancy():
    """At 95% *offered* occupancy 100 beds block 4.9% of arrivals, not the table's 13.5%."""
    assert erlang_b(100, 95.0) == pytest.approx(0.0488, abs=1e-4)
    assert abs(erlang_b(100, 95.0) - REFERENCE_BLOCKING[100][2]) > 0.05


@cache
def loss_runs(c: int, a: float, service: str, horizon: float):
    return tuple(replicate(REPS, 2000, lam=a, mu=1.0, c=c, horizon=horizon, warmup=10.0, loss=True, service=service))


@pytest.mark.parametrize("occupancy", OCCUPANCIES)
def test_hundred_beds_blocking_matches_erlang_b(occupancy):
    c = 100
    a = offered_load_for_occupancy(c, occupancy)
    runs = loss_runs(c, a, "exponential", 150.0)
    assert_in_ci([r.blocking for r in runs], erlang_b(c, a), "blocking")
    # The pool's own monitor: mean occupancy is the carried load.
    assert_in_ci([r.mean_users / c for r in runs], occupancy, "mean occupancy")
    for r in runs:
        assert r.requests == r.immediate == r.arrivals - r.blocked
        assert r.mean_queue == 0.0


@pytest.mark.parametrize(
    "c,a,service",
    [(5, 4.0, "exponential"), (2, 3.0, "exponential"), (10, 12.0, "fixed"), (1, 0.5, "fixed")],
)
def test_loss_system_blocking_matches_erlang_b(c, a, service):
    """Erlang B for several (c, A) pairs, including deterministic service (B is insensitive)."""
    runs = loss_runs(c, a, service, 2000.0)
    assert_in_ci([r.blocking for r in runs], erlang_b(c, a), "blocking")


# --- priority -------------------------------------------------------------------------------------

PRIORITY = dict(lam=1.6, mu=1.0, c=2, horizon=8000.0, warmup=200.0, class_shares=(0.5 / 1.6, 1.1 / 1.6))


@cache
def priority_runs():
    return tuple(replicate(REPS, 3000, **PRIORITY))


def test_priority_classes_wait_as_cobham_predicts():
    runs = priority_runs()
    lams = [PRIORITY["lam"] * s for s in PRIORITY["class_shares"]]
    expected = priority_wq(PRIORITY["c"], lams, PRIORITY["mu"])
    by_class = [[r.waits[r.priorities == k].mean() for r in runs] for k in (0, 1)]
    for k in (0, 1):
        assert_in_ci(by_class[k], expected[k], f"Wq of class {k}")
    # The urgent class waits less, clearly: its whole interval lies below the other's.
    assert t_interval(by_class[0])[1] < t_interval(by_class[1])[0]
    # Priority reorders the queue but does not change the mean wait over everyone.
    assert_in_ci([r.mean_wait for r in runs], mmc_wq(PRIORITY["c"], PRIORITY["lam"], PRIORITY["mu"]), "Wq all")


def test_priority_pool_is_fifo_within_a_class():
    for r in priority_runs()[:3]:
        for k in (0, 1):
            order = r.start_order[r.priorities == k]
            assert len(order) > 1000
            assert np.all(np.diff(order) > 0), f"class {k} served out of arrival order"


def test_priority_grant_order_exact():
    env = simpy.Environment()
    pool = Capacity(env, 1, priority=True)
    assert pool.request(priority=5) is None  # the one unit, taken
    grants = {}
    for name, prio in [("a2", 2), ("b1", 1), ("c2", 2), ("d0", 0), ("e1", 1), ("f0", 0)]:
        grants[name] = pool.request(priority=prio)
        assert grants[name] is not None
    order = []
    for _ in range(len(grants)):
        pool.release()
        now = [n for n, g in grants.items() if g.triggered and n not in order]
        assert len(now) == 1, "each release grants exactly one waiting request"
        order += now
    assert order == ["d0", "f0", "b1", "e1", "a2", "c2"]


def test_fifo_pool_ignores_priority_argument():
    env = simpy.Environment()
    pool = Capacity(env, 1)
    assert pool.request() is None
    grants = [pool.request(priority=p) for p in (3, 0, 2)]
    for expected in range(3):
        pool.release()
        assert [g.triggered for g in grants] == [i <= expected for i in range(3)]


# --- exact monitor integrals ----------------------------------------------------------------------


def test_monitor_integrals_exact():
    env = simpy.Environment()
    pool = Capacity(env, 2)
    log = []

    def patient(name, arrive, stay):
        yield env.timeout(arrive)
        grant = pool.request()
        if grant is not None:
            yield grant
        log.append((name, env.now))
        yield env.timeout(stay)
        pool.release()

    # A 0-4, B 1-5, C arrives 2, waits to 4, stays to 7; the pool is empty 7-10.
    env.process(patient("A", 0, 4))
    env.process(patient("B", 1, 4))
    env.process(patient("C", 2, 3))
    env.run(until=10)
    assert log == [("A", 0), ("B", 1), ("C", 4)]
    # Users: 1 on [0,1], 2 on [1,5], 1 on [5,7], 0 on [7,10] -> 11 / 10.
    assert pool.mean_users() == pytest.approx(1.1)
    assert pool.mean_queue() == pytest.approx(0.2)  # one waiting on [2,4]
    assert pool.utilisation() == pytest.approx(0.55)
    assert (pool.requests, pool.immediate) == (3, 2)


def test_monitor_reset_and_capacity_integral():
    env = simpy.Environment()
    pool = Capacity(env, 3)
    pool.request()
    pool.request()
    env.run(until=4)
    pool.reset_monitor()
    assert math.isnan(pool.mean_users())  # nothing measured yet
    assert (pool.requests, pool.immediate) == (0, 0)
    env.run(until=6)
    pool.set_capacity(1)  # 2 users stay
    env.run(until=8)
    pool.release()
    pool.release()
    env.run(until=10)
    # Since the reset at 4: users 2 on [4,8], 0 on [8,10]; capacity 3 on [4,6], 1 on [6,10].
    assert pool.mean_users() == pytest.approx(8 / 6)
    assert pool.mean_capacity() == pytest.approx(10 / 6)
    assert pool.utilisation() == pytest.approx(0.8)
    assert pool.mean_queue() == 0.0


# --- set_capacity ---------------------------------------------------------------------------------


def test_shrinking_never_removes_a_user():
    env = simpy.Environment()
    pool = Capacity(env, 3)
    assert [pool.request() for _ in range(3)] == [None, None, None]
    pool.set_capacity(1)
    assert (pool.count, pool.capacity, pool.free) == (3, 1, 0)
    waiting = pool.request()
    assert waiting is not None and not waiting.triggered
    pool.release()  # 2 users, capacity 1
    assert pool.count == 2 and not waiting.triggered
    pool.release()  # 1 user: still not below capacity
    assert pool.count == 1 and not waiting.triggered
    pool.release()  # 0 users: the waiting request gets the unit
    assert waiting.triggered and pool.count == 1 and pool.queue_length == 0
    assert pool.free == 0


def test_growing_grants_waiting_requests_at_once():
    env = simpy.Environment()
    pool = Capacity(env, 1)
    assert pool.request() is None
    waiting = [pool.request() for _ in range(3)]
    assert pool.queue_length == 3
    pool.set_capacity(3)
    assert [g.triggered for g in waiting] == [True, True, False]
    assert (pool.count, pool.queue_length, pool.free) == (3, 1, 0)
    pool.set_capacity(10)
    assert waiting[2].triggered
    assert (pool.count, pool.queue_length, pool.free) == (4, 0, 6)


def test_granted_process_resumes_at_the_resize_time():
    env = simpy.Environment()
    pool = Capacity(env, 0)
    started = []

    def user(name):
        grant = pool.request()
        if grant is not None:
            yield grant
        started.append((name, env.now))

    def manager():
        yield env.timeout(5)
        pool.set_capacity(2)

    for name in "abc":
        env.process(user(name))
    env.process(manager())
    env.run()
    assert started == [("a", 5), ("b", 5)]
    assert pool.queue_length == 1


def test_capacity_zero_queues_everyone():
    env = simpy.Environment()
    pool = Capacity(env, 0)
    assert pool.free == 0
    grants = [pool.request() for _ in range(4)]
    assert all(g is not None and not g.triggered for g in grants)
    assert (pool.count, pool.queue_length, pool.immediate) == (0, 4, 0)
    pool.set_capacity(2)
    assert [g.triggered for g in grants] == [True, True, False, False]


def test_release_more_than_taken_raises():
    env = simpy.Environment()
    pool = Capacity(env, 2)
    pool.request()
    pool.release()
    with pytest.raises(RuntimeError):
        pool.release()
    with pytest.raises(RuntimeError):
        Capacity(env, 0).release()


def test_failed_release_leaves_the_pool_unchanged():
    env = simpy.Environment()
    pool = Capacity(env, 1)
    with pytest.raises(RuntimeError):
        pool.release()
    assert pool.count == 0
    assert pool.request() is None
    assert pool.request() is not None, "a pool of 1 granted 2 units after a failed release"


def test_negative_capacity_refused():
    env = simpy.Environment()
    with pytest.raises(ValueError):
        Capacity(env, -1)
    pool = Capacity(env, 1)
    with pytest.raises(ValueError):
        pool.set_capacity(-1)
    assert pool.capacity == 1


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("request"), st.integers(0, 3)),
        st.tuples(st.just("release"), st.just(0)),
        st.tuples(st.just("resize"), st.integers(0, 6)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(start=st.integers(0, 4), priority=st.booleans(), ops=OPS)
def test_pool_matches_a_reference_model(start, priority, ops):
    """Any sequence of requests, releases and resizes behaves like a plain model of the rules."""
    env = simpy.Environment()
    pool = Capacity(env, start, priority=priority)
    cap, users, queue, seq = start, 0, [], 0  # queue of (priority or 0, seq, request id)
    grants, granted = {}, set()

    def serve():
        nonlocal users
        while queue and users < cap:
            queue.sort()
            granted.add(queue.pop(0)[2])
            users += 1

    for rid, (op, arg) in enumerate(ops):
        if op == "request":
            if users < cap and not queue:
                users += 1
                granted.add(rid)
                assert pool.request(arg) is None
            else:
                queue.append((arg if priority else 0, seq, rid))
                seq += 1
                grants[rid] = pool.request(arg)
                assert grants[rid] is not None
        elif op == "release":
            if users == 0:
                with pytest.raises(RuntimeError):
                    pool.release()
                continue  # a refused release changes nothing
            users -= 1
            serve()
            pool.release()
        else:
            before = users
            cap = arg
            serve()
            pool.set_capacity(arg)
            assert pool.count >= before, "a resize removed a user"
        assert (pool.capacity, pool.count, pool.queue_length) == (cap, users, len(queue))
        assert pool.free == (0 if queue else max(cap - users, 0))
        assert {r for r, g in grants.items() if g.triggered} == granted & set(grants)


# --- delayed start (sim.process.start_journey, which replaced capacity.Arrival) --------------------


def _scenario(use_journey: bool):
    """Journeys started with delays, some at the same instants, some from inside a running process."""
    env = simpy.Environment()
    log = []
    pool = Capacity(env, 1)

    def worker(name, steps):
        log.append((name, "start", env.now))
        for s in steps:
            yield env.timeout(s)
            log.append((name, "step", env.now))
        grant = pool.request()
        if grant is not None:
            value = yield grant
            log.append((name, "granted", env.now, value))
        yield env.timeout(0.5)
        pool.release()
        log.append((name, "end", env.now))

    def delayed(gen, delay):
        yield env.timeout(delay)
        yield from gen

    def spawn(name, steps, delay):
        gen = worker(name, steps)
        if use_journey:
            start_journey(env, gen, delay)
        else:
            env.process(delayed(gen, delay))

    def parent():
        spawn("a", [1.0, 1.0], 2.0)
        spawn("b", [0.5], 0.0)
        spawn("c", [1.0], 2.0)
        spawn("d", [], 1.25)
        yield env.timeout(1.0)
        spawn("e", [1.0], 1.0)  # starts at 2.0 with a and c
        spawn("f", [], 0.0)

    env.process(parent())
    env.run()
    return log


def test_start_journey_is_equivalent_to_process_with_initial_timeout():
    journeys = _scenario(True)
    assert journeys == _scenario(False)
    starts = {entry[0]: entry[2] for entry in journeys if entry[1] == "start"}
    assert starts == {"a": 2.0, "b": 0.0, "c": 2.0, "d": 1.25, "e": 2.0, "f": 1.0}
    # Every journey got the single unit in turn and finished.
    assert sorted(e[0] for e in journeys if e[1] == "end") == list("abcdef")


def test_start_journey_default_delay_is_now():
    env = simpy.Environment(initial_time=3.0)
    seen = []

    def gen():
        seen.append(env.now)
        yield env.timeout(1)
        seen.append(env.now)

    start_journey(env, gen())
    assert seen == []  # not run synchronously
    env.run()
    assert seen == [3.0, 4.0]


@settings(max_examples=50, deadline=None)
@given(now=st.floats(0, 1e6), delay=st.floats(0, 1e6))
def test_start_journey_starts_exactly_after_delay(now, delay):
    env = simpy.Environment(initial_time=now)
    seen = []

    def gen():
        seen.append(env.now)
        yield env.timeout(0)

    start_journey(env, gen(), delay)
    env.run()
    assert seen == [now + delay]


def test_start_journey_sends_event_values_and_raises_errors():
    env = simpy.Environment()
    got = []

    def gen():
        got.append((yield env.timeout(2, value="v")))
        raise KeyError("boom")

    start_journey(env, gen(), 1.0)
    with pytest.raises(KeyError):
        env.run()
    assert got == ["v"] and env.now == 3.0
