"""Rows of a table as numpy columns, each column selected only when it is read.

The KPIs of a month are measured over many slices of its journeys (the footprint's, each site's,
each locality's, each trust's) and each slice reads a few of forty columns. Selecting rows of a
pandas DataFrame copies every column and costs tens of microseconds a call, which over the slices
of a run's months came to seconds; ``Rows`` keeps the table's columns as they are, and the rows a
slice holds as an index array, and takes a column's values for those rows only when a KPI asks
for it (``rows.t_ed_arrival``, once per slice). The values are the same numpy arrays pandas would
have given, in the same order, so the KPIs are the same to the bit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


class Rows:
    """Some rows (all, or those at ``index`` positions, in order) of columns ``columns``."""

    __slots__ = ("_columns", "_index", "_read", "_n")

    def __init__(self, columns: Mapping[str, np.ndarray], index: np.ndarray | None = None, n: int | None = None):
        self._columns = columns
        self._index = index
        self._read: dict[str, np.ndarray] = {}
        if index is not None:
            self._n = len(index)
        elif n is not None:
            self._n = n
        else:
            self._n = len(next(iter(columns.values()))) if columns else 0

    @classmethod
    def of(cls, table: pd.DataFrame | Rows) -> Rows:
        """The rows of a DataFrame (its columns as numpy arrays, categories as their values)."""
        if isinstance(table, Rows):
            return table
        return cls({name: np.asarray(table[name]) for name in table.columns}, n=len(table))

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self._read[name]
        except KeyError:
            pass
        try:
            column = self._columns[name]
        except KeyError:
            raise AttributeError(name) from None
        values = column if self._index is None else column[self._index]
        self._read[name] = values
        return values

    def __contains__(self, name: str) -> bool:
        return name in self._columns

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, mask: np.ndarray) -> Rows:
        """The rows where boolean ``mask`` (one value per row) is true."""
        mask = np.asarray(mask, dtype=bool)
        picked = np.flatnonzero(mask)
        return Rows(self._columns, picked if self._index is None else self._index[picked])

    def with_column(self, name: str, values: np.ndarray) -> Rows:
        """These rows with column ``name`` replaced by ``values`` (one per row)."""
        columns = {k: self.__getattr__(k) for k in self._columns}
        columns[name] = np.asarray(values)
        return Rows(columns, n=self._n)
