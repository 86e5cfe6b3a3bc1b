"""A lean driver for patient journeys written as SimPy generator functions.

``simpy.Process`` is general: it can be interrupted, waited on and chained, and it schedules an
event when its generator ends. A patient journey needs none of that; a year of a million people
has several hundred thousand of them, and the general machinery was a third of the run time.
``start_journey`` runs the same generator functions (``yield env.timeout(...)``, ``yield grant``)
with only what they need: resume the generator when the event it yielded fires, with the event's
value, and stop quietly when it returns. An exception inside a journey propagates out of
``env.run`` and stops the simulation, as with a ``simpy.Process``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from heapq import heappop, heappush

import simpy
from simpy.events import NORMAL, URGENT

_Timeout = simpy.Timeout
_new = object.__new__  # what ``simpy.Timeout.__new__`` is (events define no ``__new__``)


class Environment(simpy.Environment):
    """A SimPy environment with a one-call timeout and a tight loop for running to a time.

    A year of the baseline is about three million events, nearly all timeouts, so SimPy's own
    per-event calls (``Timeout`` through its bound class and ``schedule``; ``step`` for every
    event) are a large share of the run. Events are the same and are processed in the same order
    (time, then priority, then the order they were scheduled); only the calls are fewer."""

    def timeout(self, delay: float = 0, value=None) -> simpy.Timeout:
        """A ``simpy.Timeout`` of ``delay``: what ``Timeout.__init__`` and ``schedule`` do, in one call."""
        if not delay >= 0:  # also refuses NaN, which would corrupt the order of the event queue
            raise ValueError(f"Negative delay {delay}")
        event = _new(_Timeout)
        event.env = self
        event.callbacks = []
        event._value = value
        event._delay = delay
        event._ok = True
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), event))
        return event

    def run_until(self, until: float) -> None:
        """The same as ``run(until=until)`` for a time: every event due before ``until`` is processed
        (and urgent ones due at ``until`` that were scheduled before the call), then the clock
        stands at ``until``. As ``run``, it stops on a marker event scheduled at ``until``, but
        checks for it by identity in its own loop instead of calling ``step`` for each event."""
        if until <= self._now:
            raise ValueError(f"until ({until}) must be greater than the current simulation time")
        stop = simpy.Event(self)
        stop._ok, stop._value = True, None
        self.schedule(stop, URGENT, until - self._now)
        queue = self._queue
        while True:
            self._now, _, _, event = heappop(queue)  # never empty: the marker is in it
            if event is stop:
                return
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                # a failed event nobody handled crashes the run, as in ``step``
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc


class _Journey:
    __slots__ = ("_send",)

    def __init__(self, generator: Generator):
        self._send = generator.send

    def _resume(self, event: simpy.Event) -> None:
        # A callback only runs once its event has fired, so its value is there to read directly
        # (``Event.value`` would check that again, millions of times a year).
        try:
            target = self._send(event._value)
        except StopIteration:
            return
        target.callbacks.append(self._resume)


def first_of(env: simpy.Environment, one: simpy.Event, other: simpy.Event) -> simpy.Event:
    """An event that fires when the first of two events fires (the caller checks which).

    The same as ``env.any_of([one, other])`` for a journey that ignores the condition's value:
    triggered at the same instant and scheduled at the same point, so events keep their order,
    without building the condition's value (a wait for a cubicle or a timeout is the only use,
    a hundred thousand times a year)."""
    first = simpy.Event(env)

    def fire(_event: simpy.Event) -> None:
        if not first.triggered:
            first.succeed()

    one.callbacks.append(fire)
    other.callbacks.append(fire)
    return first


def start_journey(env: simpy.Environment, generator: Generator, delay: float = 0.0) -> None:
    """Run ``generator`` as a patient journey starting ``delay`` minutes from now."""
    env.timeout(delay).callbacks.append(_Journey(generator)._resume)


def launch(env: simpy.Environment, journeys: Iterable[tuple[Generator, float]]) -> None:
    """Start each ``(journey, start time)`` pair, in order (the start times are absolute minutes)."""
    now = env.now
    for journey, start in journeys:
        start_journey(env, journey, start - now)
