"""A growable table stored column by column in numpy arrays.

Hundreds of thousands of journeys and millions of GP requests a year are too many for a Python
object each; a column per field, grown by doubling, costs a few bytes a row and hands out row
ids that processes write fields into.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class ColumnTable:
    """Subclasses set ``COLUMNS`` (name -> (dtype, fill for a new row)) and ``INDEX_NAME``."""

    COLUMNS: dict[str, tuple[str, float | int]] = {}
    INDEX_NAME = "row"

    def __init__(self, capacity: int = 1 << 16):
        self.n = 0
        self._cap = max(int(capacity), 1)
        for name, (dtype, fill) in self.COLUMNS.items():
            setattr(self, name, np.full(self._cap, fill, dtype=dtype))

    def new_block(self, count: int) -> np.ndarray:
        """Reserve ``count`` consecutive rows and return their ids."""
        need = self.n + count
        if need > self._cap:
            cap = self._cap
            while cap < need:
                cap *= 2
            for name, (dtype, fill) in self.COLUMNS.items():
                grown = np.full(cap, fill, dtype=dtype)
                grown[: self.n] = getattr(self, name)[: self.n]
                setattr(self, name, grown)
            self._cap = cap
        ids = np.arange(self.n, need)
        self.n = need
        return ids

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (a copy, safe to keep while the run goes on)."""
        df = pd.DataFrame({name: getattr(self, name)[: self.n].copy() for name in self.COLUMNS})
        df.index.name = self.INDEX_NAME
        return df
