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
    __slots__ = ("_generator",)

    def __init__(self, generator: Generator):
        self._generator = generator

    def _resume(self, event: simpy.Event) -> None:
        try:
            target = self._generator.send(event.value)
        except StopIteration:
            return
        target.callbacks.append(self._resume)


def start_journey(env: simpy.Environment, generator: Generator, delay: float = 0.0) -> None:
    """Run ``generator`` as a patient journey starting ``delay`` minutes from now."""
    env.timeout(delay).callbacks.append(_Journey(generator)._resume)
