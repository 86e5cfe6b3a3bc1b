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

from collections.abc import Generator

import simpy


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
