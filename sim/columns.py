"""A growable table stored column by column in numpy arrays.

Hundreds of thousands of journeys and millions of GP requests a year are too many for a Python
object each; a column per field costs a few bytes a row and hands out row ids that processes
write fields into (a row's id is its index in every column, for the whole run).

A table can hand its oldest rows over once they are final (``spill``), and they leave memory
while every id stays valid for the rows still held: each column lives in anonymous memory that
the operating system commits page by page as rows are written (room reserved for a run's rows
costs nothing until used), and the pages of spilled rows are given back to it
(``madvise(MADV_DONTNEED)``). A run's memory is then set by the rows still open, not by the
length of the run. (Where the platform cannot give pages back, spilled rows stay in memory; the
results are the same.)
"""

from __future__ import annotations

import mmap

import numpy as np
import pandas as pd

_CAN_RELEASE = hasattr(mmap, "MADV_DONTNEED") and hasattr(mmap.mmap, "madvise")


def _column(cap: int, dtype: str) -> tuple[np.ndarray, mmap.mmap]:
    """A column of ``cap`` rows in anonymous memory (zero until written, committed page by page),
    and the memory it lives in."""
    dt = np.dtype(dtype)
    buffer = mmap.mmap(-1, max(cap * dt.itemsize, 1))
    return np.frombuffer(buffer, dtype=dt, count=cap), buffer


class ColumnTable:
    """Subclasses set ``COLUMNS`` (name -> (dtype, fill for a new row)) and ``INDEX_NAME``."""

    COLUMNS: dict[str, tuple[str, float | int]] = {}
    INDEX_NAME = "row"

    def __init__(self, capacity: int = 1 << 16):
        self.n = 0  # rows handed out so far: ids 0 .. n-1
        self.base = 0  # id of the first row still held (the rows before it were spilled)
        self._cap = max(int(capacity), 1)
        self._memory: dict[str, mmap.mmap] = {}
        for name, (dtype, _fill) in self.COLUMNS.items():
            col, self._memory[name] = _column(self._cap, dtype)
            setattr(self, name, col)
        self.spilled, self._memory["spilled"] = _column(self._cap, "?")  # handed over: never used again

    @property
    def held(self) -> int:
        """Rows still in memory."""
        return int(np.count_nonzero(self.held_mask()))

    def new_block(self, count: int) -> np.ndarray:
        """Reserve ``count`` consecutive rows, at their fill values, and return their ids."""
        need = self.n + count
        if need > self._cap:
            cap = self._cap
            while cap < need:
                cap *= 2
            for name, dtype in [*((k, d) for k, (d, _f) in self.COLUMNS.items()), ("spilled", "?")]:
                grown, self._memory[name] = _column(cap, dtype)
                grown[self.base: self.n] = getattr(self, name)[self.base: self.n]
                setattr(self, name, grown)
            self._cap = cap
        for name, (_dtype, fill) in self.COLUMNS.items():
            getattr(self, name)[self.n: need] = fill
        self.spilled[self.n: need] = False
        ids = np.arange(self.n, need)
        self.n = need
        return ids

    def spill(self, upto: int) -> dict[str, np.ndarray]:
        """Hand over every row still held with an id below ``upto`` (``spill_rows``)."""
        upto = min(max(int(upto), self.base), self.n)
        return self.spill_rows(np.arange(self.base, upto))

    def spill_rows(self, ids: np.ndarray) -> dict[str, np.ndarray]:
        """Hand over rows ``ids`` (held ones, in increasing order; copies, column by column, with
        their ids under ``INDEX_NAME``) and let them leave memory; the caller must know they are
        final: they are never read or written again. Memory goes back to the system a page at a
        time, once every row on the page has been handed over."""
        ids = np.asarray(ids, dtype=np.int64)
        out = {self.INDEX_NAME: ids}
        for name in self.COLUMNS:
            out[name] = getattr(self, name)[ids]
        self.spilled[ids] = True
        held = np.flatnonzero(~self.spilled[self.base: self.n])
        self.base = self.base + int(held[0]) if len(held) else self.n
        if _CAN_RELEASE and len(ids):
            for name in [*self.COLUMNS, "spilled"]:
                self._release(name, getattr(self, name).itemsize, int(ids[0]), int(ids[-1]) + 1)
        return out

    def _release(self, name: str, itemsize: int, lo: int, hi: int) -> None:
        """Give back the pages of column ``name`` whose rows (within ids ``lo`` .. ``hi - 1``,
        widened to whole pages) have all been handed over."""
        per_page = mmap.PAGESIZE // itemsize
        first, last = lo // per_page, min(-(-hi // per_page), self.n // per_page)  # pages wholly before n
        if last <= first:
            return
        gone = self.spilled[first * per_page: last * per_page].reshape(-1, per_page).all(axis=1)
        for page in np.flatnonzero(gone) + first:
            self._memory[name].madvise(mmap.MADV_DONTNEED, int(page) * mmap.PAGESIZE, mmap.PAGESIZE)

    def held_mask(self) -> np.ndarray:
        """Which of the rows ``base`` .. ``n - 1`` are still held (not handed over)."""
        return ~self.spilled[self.base: self.n]

    def frame(self) -> pd.DataFrame:
        """The rows still held as a DataFrame indexed by id (a copy, safe to keep while the run
        goes on); every row of the run if nothing was spilled."""
        held = self.held_mask()
        if held.all():
            return pd.DataFrame({name: getattr(self, name)[self.base: self.n].copy() for name in self.COLUMNS},
                                index=pd.RangeIndex(self.base, self.n, name=self.INDEX_NAME))
        ids = self.base + np.flatnonzero(held)
        return pd.DataFrame({name: getattr(self, name)[ids] for name in self.COLUMNS},
                            index=pd.Index(ids, name=self.INDEX_NAME))
