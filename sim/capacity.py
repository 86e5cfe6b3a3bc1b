"""Capacity whose size organisations can change during a run: beds, clinicians, vehicles, places.

A ``simpy.Resource`` fixes its capacity at creation. Beds close, posts are frozen and care home
places are lost while patients are using them, so icsim has its own capacity type with one rule:
**a unit closes when its user leaves, never under them**. Shrinking capacity only stops new grants
until the number of users falls below the new size; growing it serves the queue at once.

It is also lean, because a year of a million people makes millions of requests: a request that
can be granted at once costs no SimPy event, and a release is immediate (no Release event).
Usage inside a SimPy process::

    wait = ward.beds.request()
    if wait:            # no bed free: queue until one is
        yield wait
    ...
    ward.beds.release()

Each pool keeps the time-integrals of its users, its queue and its size, so mean occupancy and
mean queue length (L and Lq of Little's law) come from the simulation itself, not from sampling.
"""

from __future__ import annotations

import heapq
from collections import deque
from itertools import count

import simpy


class Capacity:
    """A pool of identical units, granted first come first served (or by priority, lowest first)."""

    def __init__(self, env: simpy.Environment, capacity: int, priority: bool = False):
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.env = env
        self._capacity = int(capacity)
        self.priority = priority
        self.count = 0  # units in use
        self._waiting = [] if priority else deque()
        self._seq = count()
        self.requests = 0
        self.immediate = 0  # requests granted without waiting
        self._last_t = env.now
        self.user_area = self.queue_area = self.capacity_area = 0.0
        self.monitor_start = env.now

    # --- the pool ------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def queue_length(self) -> int:
        return len(self._waiting)

    @property
    def free(self) -> int:
        """Units a new request would get at once (0 when anyone is already waiting)."""
        return 0 if self._waiting else max(self._capacity - self.count, 0)

    def request(self, priority: int = 0) -> simpy.Event | None:
        """Take a unit: None when granted at once, else an event that fires when it is granted."""
        self._account()
        self.requests += 1
        if self.count < self._capacity and not self._waiting:
            self.count += 1
            self.immediate += 1
            return None
        grant = simpy.Event(self.env)
        if self.priority:
            heapq.heappush(self._waiting, (priority, next(self._seq), grant))
        else:
            self._waiting.append(grant)
        return grant

    def release(self) -> None:
        """Give a unit back; the longest-waiting (most urgent) request gets it if the pool allows."""
        self._account()
        self.count -= 1
        if self.count < 0:
            raise RuntimeError("released more units than were taken")
        self._serve()

    def set_capacity(self, capacity: int) -> None:
        """Resize. Shrinking never removes a current user; growing serves the queue at once."""
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self._account()
        self._capacity = int(capacity)
        self._serve()

    def _serve(self) -> None:
        waiting = self._waiting
        while waiting and self.count < self._capacity:
            grant = heapq.heappop(waiting)[2] if self.priority else waiting.popleft()
            self.count += 1
            grant.succeed()

    # --- monitoring ----------------------------------------------------------------------------

    def _account(self) -> None:
        now = self.env.now
        dt = now - self._last_t
        if dt:
            self.user_area += dt * self.count
            self.queue_area += dt * len(self._waiting)
            self.capacity_area += dt * self._capacity
            self._last_t = now

    def reset_monitor(self) -> None:
        """Forget the integrals so far (to discard a warm-up period)."""
        self._account()
        self.user_area = self.queue_area = self.capacity_area = 0.0
        self.requests = self.immediate = 0
        self.monitor_start = self.env.now

    def _mean(self, area: str) -> float:
        self._account()
        span = self.env.now - self.monitor_start
        return getattr(self, area) / span if span > 0 else float("nan")

    def mean_users(self) -> float:
        """Time-average units in use since the monitor started (L of a server pool)."""
        return self._mean("user_area")

    def mean_queue(self) -> float:
        """Time-average number waiting since the monitor started (Lq)."""
        return self._mean("queue_area")

    def mean_capacity(self) -> float:
        return self._mean("capacity_area")

    def utilisation(self) -> float:
        """Mean units in use over mean units open."""
        cap = self.mean_capacity()
        return self.mean_users() / cap if cap > 0 else float("nan")


class Arrival(simpy.Process):
    """A SimPy process whose generator starts ``delay`` minutes from now.

    Equivalent to a process that first yields ``env.timeout(delay)``, one event cheaper: the
    start event itself is scheduled at the arrival time. (Relies on ``simpy.Process`` internals,
    stable across simpy 4.x; ``tests/test_capacity.py`` checks the equivalence.)"""

    def __init__(self, env: simpy.Environment, generator, delay: float):
        self.env = env
        self.callbacks = []
        self._value = simpy.events.PENDING
        self._generator = generator
        start = simpy.Event(env)
        start.callbacks.append(self._resume)
        start._ok = True
        start._value = None
        env.schedule(start, simpy.events.NORMAL, delay)
        self._target = start
