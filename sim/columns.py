"""A growable table stored column by column in numpy arrays.

Hundreds of thousands of journeys and millions of GP requests a year are too many for a Python
object each; a column per field, grown by doubling, costs a few bytes a row and hands out row
ids that processes write fields into.

A table can hand its oldest rows over once they are final (``spill``): they leave memory, row ids
stay what they were (a row's place in the arrays is its id less ``base``), so that a run's memory
is set by the rows still open, not by the length of the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class ColumnTable:
    """Subclasses set ``COLUMNS`` (name -> (dtype, fill for a new row)) and ``INDEX_NAME``."""

    COLUMNS: dict[str, tuple[str, float | int]] = {}
    INDEX_NAME = "row"

    def __init__(self, capacity: int = 1 << 16):
        self.n = 0  # rows handed out so far: ids 0 .. n-1
        self.base = 0  # id of the first row still held (the rows before it were spilled)
        self._cap = max(int(capacity), 1)
        for name, (dtype, fill) in self.COLUMNS.items():
            setattr(self, name, np.full(self._cap, fill, dtype=dtype))

    @property
    def held(self) -> int:
        """Rows still in memory (ids ``base`` .. ``n - 1``)."""
        return self.n - self.base

    def new_block(self, count: int) -> np.ndarray:
        """Reserve ``count`` consecutive rows and return their ids."""
        need = self.held + count
        if need > self._cap:
            cap = self._cap
            while cap < need:
                cap *= 2
            self._reallocate(cap)
        ids = np.arange(self.n, self.n + count)
        self.n += count
        return ids

    def _reallocate(self, cap: int) -> None:
        held = self.held
        for name, (dtype, fill) in self.COLUMNS.items():
            grown = np.full(cap, fill, dtype=dtype)
            grown[:held] = getattr(self, name)[:held]
            setattr(self, name, grown)
        self._cap = cap

    def spill(self, upto: int) -> dict[str, np.ndarray]:
        """Hand over the rows with ids ``base`` .. ``upto - 1`` (copies, column by column, with
        their ids under ``INDEX_NAME``) and drop them from memory; the caller must know they are
        final. The arrays shrink when most of their room is no longer needed."""
        upto = min(max(int(upto), self.base), self.n)
        k, held = upto - self.base, self.held
        out = {self.INDEX_NAME: np.arange(self.base, upto)}
        for name, (_dtype, fill) in self.COLUMNS.items():
            col = getattr(self, name)
            out[name] = col[:k].copy()
            col[: held - k] = col[k:held]  # numpy copies overlapping ranges correctly
            col[held - k: held] = fill
        self.base = upto
        if self._cap > 4 * max(self.held, 1 << 16):
            self._reallocate(max(2 * self.held, 1 << 16))
        return out

    def frame(self) -> pd.DataFrame:
        """The rows still held as a DataFrame indexed by id (a copy, safe to keep while the run
        goes on); every row of the run if nothing was spilled."""
        held = self.held
        df = pd.DataFrame({name: getattr(self, name)[:held].copy() for name in self.COLUMNS},
                          index=pd.RangeIndex(self.base, self.n, name=self.INDEX_NAME))
        return df
