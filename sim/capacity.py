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
from simpy.events import NORMAL, PENDING

_Event = simpy.Event
_new = object.__new__


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
        # Time-integrals kept as running sums: a unit taken at t adds -t, given back adds +t, so
        # the integral up to T is the sum plus (units held now) x T. One addition per change.
        self._user_t = self._queue_t = self._capacity_t = 0.0
        self._base = (0.0, 0.0, 0.0)
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
        self.requests += 1
        if self.count < self._capacity and not self._waiting:
            self.count += 1
            self._user_t -= self.env._now
            self.immediate += 1
            return None
        env = self.env
        grant = _new(_Event)  # what simpy.Event(env) makes, without the call
        grant.env = env
        grant.callbacks = []
        self._queue_t -= env._now
        if self.priority:
            heapq.heappush(self._waiting, (priority, next(self._seq), grant))
        else:
            self._waiting.append(grant)
        return grant

    def release(self) -> None:
        """Give a unit back; the longest-waiting (most urgent) request gets it if the pool allows."""
        if self.count <= 0:
            raise RuntimeError("released more units than were taken")
        self.count -= 1
        self._user_t += self.env._now
        if self._waiting:
            self._serve()

    def cancel(self, grant: simpy.Event) -> None:
        """Withdraw a request still waiting (the patient found a unit elsewhere); a request
        already granted gives its unit back instead."""
        if grant.triggered:
            self.release()
            return
        if self.priority:
            for k, entry in enumerate(self._waiting):
                if entry[2] is grant:
                    self._waiting[k] = self._waiting[-1]
                    self._waiting.pop()
                    heapq.heapify(self._waiting)
                    break
            else:  # pragma: no cover - a request this pool never saw
                raise ValueError("not a request waiting for this pool")
        else:
            self._waiting.remove(grant)
        self._queue_t += self.env._now

    def set_capacity(self, capacity: int) -> None:
        """Resize. Shrinking never removes a current user; growing serves the queue at once."""
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self._capacity_t += (self._capacity - int(capacity)) * self.env._now
        self._capacity = int(capacity)
        self._serve()

    def _serve(self) -> None:
        waiting = self._waiting
        if not waiting:
            return
        env = self.env
        now, queue, eid = env._now, env._queue, env._eid
        while waiting and self.count < self._capacity:
            grant = heapq.heappop(waiting)[2] if self.priority else waiting.popleft()
            self.count += 1
            self._queue_t += now
            self._user_t -= now
            # grant.succeed(): what it and env.schedule do, in place (a grant is triggered only here)
            if grant._value is not PENDING:  # pragma: no cover - never: a request is granted once
                raise RuntimeError(f"{grant} has already been triggered")
            grant._ok = True
            grant._value = None
            heapq.heappush(queue, (now, NORMAL, next(eid), grant))

    # --- monitoring ----------------------------------------------------------------------------

    def _areas(self) -> tuple[float, float, float]:
        """Integrals of users, queue and capacity over time from 0 to now."""
        now = self.env._now
        return (self._user_t + self.count * now, self._queue_t + len(self._waiting) * now,
                self._capacity_t + self._capacity * now)

    def reset_monitor(self) -> None:
        """Start the integrals again from now (to discard a warm-up period)."""
        self._base = self._areas()
        self.requests = self.immediate = 0
        self.monitor_start = self.env.now

    def _mean(self, which: int) -> float:
        span = self.env.now - self.monitor_start
        return (self._areas()[which] - self._base[which]) / span if span > 0 else float("nan")

    def mean_users(self) -> float:
        """Time-average units in use since the monitor started (L of a server pool)."""
        return self._mean(0)

    def mean_queue(self) -> float:
        """Time-average number waiting since the monitor started (Lq)."""
        return self._mean(1)

    def mean_capacity(self) -> float:
        return self._mean(2)

    def utilisation(self) -> float:
        """Mean units in use over mean units open."""
        cap = self.mean_capacity()
        return self.mean_users() / cap if cap > 0 else float("nan")
