"""Queueing theory written out from textbook definitions, and a driver for ``sim.capacity.Capacity``.

The formulas here are the independent yardstick the simulation is tested against; they use no
code from ``sim``. Notation: ``lam`` arrival rate, ``mu`` service rate per server, ``c`` servers,
``A = lam / mu`` offered load in Erlangs, ``rho = A / c`` offered load per server.

- Erlang B, the blocking probability of M/M/c/c (any service distribution), by the stable recursion
  ``B(0) = 1``, ``B(k) = A B(k-1) / (k + A B(k-1))``.
- Erlang C, the probability that an arrival to M/M/c waits, from Erlang B:
  ``C = c B / (c - A (1 - B))`` (valid for ``A < c``).
- Mean wait in queue of M/M/c: ``Wq = C / (c mu - lam)``; mean queue length ``Lq = lam Wq``.
- Non-preemptive priority M/M/c with one service rate for every class (Cobham's formula):
  ``Wq_k = C / (c mu (1 - s_{k-1}) (1 - s_k))`` with ``s_k`` the load ``lam_i / (c mu)`` summed over
  classes 1..k (class 1 the most urgent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy
from scipy import stats

from sim.capacity import Capacity

# --- formulas -------------------------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a`` Erlangs (stable recursion)."""
    if c < 0 or a < 0:
        raise ValueError("c and a must be >= 0")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival to M/M/c waits (offered load ``a`` < ``c``)."""
    if not 0 <= a < c:
        raise ValueError("Erlang C needs 0 <= a < c")
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_wq(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_lq(c: int, lam: float, mu: float) -> float:
    """Time-average number waiting in M/M/c (Little's law on the queue)."""
    return lam * mmc_wq(c, lam, mu)


def priority_wq(c: int, lams: list[float], mu: float) -> list[float]:
    """Mean wait of each class in non-preemptive priority M/M/c, classes most urgent first."""
    lam = sum(lams)
    wait_if_all_busy = erlang_c(c, lam / mu) / (c * mu)
    out, before = [], 0.0
    for lam_k in lams:
        after = before + lam_k / (c * mu)
        out.append(wait_if_all_busy / ((1 - before) * (1 - after)))
        before = after
    return out


def offered_load_for_occupancy(c: int, occupancy: float) -> float:
    """Offered load whose *carried* load ``A (1 - B(c, A))`` is ``occupancy * c`` (mean occupancy)."""
    target = occupancy * c
    lo, hi = target, 20.0 * c + 20.0
    for _ in range(200):  # bisection: carried load is increasing in offered load
        mid = (lo + hi) / 2
        if mid * (1 - erlang_b(c, mid)) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def t_interval(samples, confidence: float = 0.99) -> tuple[float, float]:
    """Two-sided Student t confidence interval for the mean of independent replications."""
    x = np.asarray(samples, dtype=float)
    n = len(x)
    if n < 2:
        raise ValueError("need at least two replications")
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)
    return float(x.mean() - half), float(x.mean() + half)


# --- simulation driver ----------------------------------------------------------------------------


@dataclass
class PoolStats:
    """What one replication observed, after the warm-up (customers arriving in [warmup, horizon])."""

    waits: np.ndarray  # wait of each counted customer who was served, in arrival order
    priorities: np.ndarray  # priority class of each counted served customer, in arrival order
    start_order: np.ndarray  # rank at which each counted served customer was granted a unit
    arrivals: int  # customers arriving in [warmup, horizon]
    blocked: int  # of those, turned away (loss system only)
    mean_users: float  # time average from the Capacity monitor over [warmup, horizon]
    mean_queue: float
    utilisation: float
    requests: int  # the pool's own request counters over [warmup, horizon]
    immediate: int
    sim_time: float  # length of the monitored period, horizon - warmup
    services: np.ndarray = field(repr=False, default=None)  # service times of counted served

    @property
    def blocking(self) -> float:
        return self.blocked / self.arrivals if self.arrivals else float("nan")

    @property
    def waited_share(self) -> float:
        return float(np.mean(self.waits > 0)) if len(self.waits) else float("nan")

    @property
    def mean_wait(self) -> float:
        return float(np.mean(self.waits)) if len(self.waits) else float("nan")

    @property
    def arrival_rate(self) -> float:
        return self.arrivals / self.sim_time


def simulate_pool(
    lam: float,
    mu: float,
    c: int,
    *,
    horizon: float,
    warmup: float,
    seed: int,
    loss: bool = False,
    class_shares: tuple[float, ...] | None = None,
    service: str = "exponential",
) -> PoolStats:
    """Drive a ``Capacity`` with Poisson(``lam``) arrivals and service of mean ``1/mu``.

    ``loss=True`` turns away a customer who finds ``free == 0`` (M/M/c/c); otherwise customers
    queue (M/M/c). ``class_shares`` makes a priority pool with classes 0, 1, ... (0 most urgent)
    drawn with those probabilities. ``service`` is "exponential" or "fixed" (deterministic).

    The monitor is reset at ``warmup`` and read at ``horizon``. Customers arriving in
    [warmup, horizon] are counted; arrivals continue after the horizon until every counted
    customer has been granted, so no counted wait is censored.
    """
    rng_arrivals = np.random.default_rng([seed, 1])
    rng_service = np.random.default_rng([seed, 2])
    rng_class = np.random.default_rng([seed, 3])
    env = simpy.Environment()
    pool = Capacity(env, c, priority=class_shares is not None)

    waits: dict[int, float] = {}
    prios: dict[int, int] = {}
    services: dict[int, float] = {}
    start_rank: dict[int, int] = {}
    counters = {"arrivals": 0, "blocked": 0, "pending": 0, "granted": 0}

    def draw_service() -> float:
        if service == "exponential":
            return float(rng_service.exponential(1 / mu))
        if service == "fixed":
            return 1 / mu
        raise ValueError(service)

    def customer(i: int, counted: bool, prio: int, s: float):
        arrived = env.now
        if loss and pool.free == 0:
            if counted:
                counters["blocked"] += 1
                counters["pending"] -= 1
            return
        grant = pool.request(prio)
        if grant is not None:
            yield grant
        rank = counters["granted"]
        counters["granted"] += 1
        if counted:
            waits[i] = env.now - arrived
            start_rank[i] = rank
            counters["pending"] -= 1
        yield env.timeout(s)
        pool.release()

    def source():
        i = 0
        while True:
            yield env.timeout(float(rng_arrivals.exponential(1 / lam)))
            counted = warmup <= env.now <= horizon
            prio = 0
            if class_shares is not None:
                prio = int(rng_class.choice(len(class_shares), p=class_shares))
            s = draw_service()
            if counted:
                counters["arrivals"] += 1
                counters["pending"] += 1
                prios[i] = prio
                services[i] = s
            env.process(customer(i, counted, prio, s))
            i += 1

    env.process(source())
    env.run(until=warmup)
    pool.reset_monitor()
    env.run(until=horizon)
    mean_users, mean_queue, utilisation = pool.mean_users(), pool.mean_queue(), pool.utilisation()
    requests, immediate = pool.requests, pool.immediate
    # Keep the system running until every counted customer has been granted a unit.
    step = 10.0 / mu
    while counters["pending"] > 0:
        env.run(until=env.now + step)

    served = sorted(waits)
    return PoolStats(
        waits=np.array([waits[i] for i in served]),
        priorities=np.array([prios[i] for i in served], dtype=int),
        start_order=np.array([start_rank[i] for i in served], dtype=int),
        arrivals=counters["arrivals"],
        blocked=counters["blocked"],
        mean_users=mean_users,
        mean_queue=mean_queue,
        utilisation=utilisation,
        requests=requests,
        immediate=immediate,
        sim_time=horizon - warmup,
        services=np.array([services[i] for i in served]),
    )


def replicate(n: int, base_seed: int, **kwargs) -> list[PoolStats]:
    """``n`` independent replications with seeds ``base_seed``, ``base_seed + 1``, ..."""
    return [simulate_pool(seed=base_seed + r, **kwargs) for r in range(n)]
