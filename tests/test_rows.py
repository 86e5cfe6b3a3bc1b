"""``sim.rows.Rows``, the KPIs' lazy slices of a table, against pandas' own row selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rows import Rows


@st.composite
def tables_and_masks(draw):
    n = draw(st.integers(0, 40))
    floats = st.floats(allow_nan=True, allow_infinity=False, width=64)
    df = pd.DataFrame({
        "t": np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype=float),
        "site": np.array(draw(st.lists(st.integers(-1, 5), min_size=n, max_size=n)), dtype=np.int16),
        "flag": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        "service": np.array(draw(st.lists(st.sampled_from(["beds", "cubicles"]), min_size=n, max_size=n)), dtype=object),
    })
    first = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    k = int(first.sum())
    second = np.array(draw(st.lists(st.booleans(), min_size=k, max_size=k)), dtype=bool)
    return df, first, second


@settings(max_examples=200, deadline=None)
@given(tables_and_masks())
def test_a_slice_of_a_slice_holds_the_rows_pandas_selects_in_their_order(case):
    df, first, second = case
    want = df[first][second]
    got = Rows.of(df)[first][second]
    assert len(got) == len(want)
    for name in df.columns:
        np.testing.assert_array_equal(getattr(got, name), want[name].to_numpy())
        assert getattr(got, name).dtype == want[name].to_numpy().dtype


@settings(max_examples=100, deadline=None)
@given(tables_and_masks())
def test_a_replaced_column_changes_only_that_column_of_those_rows(case):
    df, first, _ = case
    rows = Rows.of(df)[first]
    replaced = rows.with_column("site", np.where(rows.flag, -1, rows.site))
    np.testing.assert_array_equal(replaced.site, df.site[first].where(~df.flag[first], -1).to_numpy())
    np.testing.assert_array_equal(replaced.t, rows.t)
    assert len(replaced) == len(rows)
    np.testing.assert_array_equal(Rows.of(df).site, df.site.to_numpy())  # the table itself is untouched


def test_columns_are_named_and_an_unknown_one_is_an_attribute_error():
    rows = Rows.of(pd.DataFrame({"a": [1.0, 2.0]}))
    assert "a" in rows and "b" not in rows
    with pytest.raises(AttributeError, match="b"):
        _ = rows.b


def test_an_empty_table_has_no_rows():
    rows = Rows.of(pd.DataFrame({"a": pd.Series(dtype=float)}))
    assert len(rows) == 0 and len(rows[np.zeros(0, bool)]) == 0
