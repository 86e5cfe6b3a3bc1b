"""Named random-number streams: one numpy ``Generator`` per process, derived from one run seed.

Each stream is spawned from ``SeedSequence(seed)`` with a spawn key made from a stable hash of the
stream's name, not from its position in a list. Adding a new process (a new stream name) never
shifts the numbers another process draws, and the same name gives the same numbers in every
scenario: common random numbers for free.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> tuple[int, ...]:
    """A stable 128-bit key for a stream name: four 32-bit words of its SHA-256, the same on
    every platform and run, and (unlike a 32-bit checksum) with no collisions in practice."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """A lazily filled registry of named ``numpy.random.Generator`` streams for one run."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        rng = self._streams.get(name)
        if rng is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=stream_key(name))
            rng = self._streams[name] = np.random.Generator(np.random.PCG64(seq))
        return rng

    def names(self) -> list[str]:
        """The streams used so far, sorted (for provenance)."""
        return sorted(self._streams)
