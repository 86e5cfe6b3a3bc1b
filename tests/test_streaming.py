"""Results written as the run goes: journeys and GP requests leave memory each month once final.

A run that streams them (``icsim.outputs.stream``) must give the same tables, row for row, and
the same KPIs (to rounding: a month's sums are added in the order its journeys leave) as a run
that keeps every row to the end; a request still waiting or a journey not
yet final is never handed over; and what is held in memory is the last weeks', not the run's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from footprints import NO_ORGANISATIONS, TOWN, config

from agents import health_system
from icsim import outputs
from sim.columns import ColumnTable
from sim.kpis import kpi_tables
from sim.primary_care import GpOutcome

# too few GPs, so that requests wait (some for weeks) and some go to A&E instead
SHORT_OF_GPS = {"primary_care": {"gp_fte_per_1000": 0.3}}
MONTHS = 5


def _run(tmp_path=None, spy=None):
    hs = health_system(config(TOWN, NO_ORGANISATIONS, SHORT_OF_GPS), seed=5, months=MONTHS)
    writer = None
    if tmp_path is not None:
        writer = outputs.ResultWriter(tmp_path)
        outputs.stream(hs, writer)
        if spy is not None:
            sink = hs.primary_care.sink
            hs.primary_care.sink = lambda rows: (spy(rows, hs), sink(rows))
    hs.run()
    tables = outputs.collect(hs, writer)
    if writer is not None:
        writer.close()
    return hs, tables


@pytest.fixture(scope="module")
def kept():
    return _run()


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("streamed")
    handed = []

    def spy(rows, hs):
        # what was waiting in a queue at the moment of the spill
        queued = np.concatenate([a for q in hs.primary_care.queues for a in q] or [np.zeros(0, int)])
        handed.append((rows, queued, hs.primary_care.log.held))

    hs, tables = _run(folder, spy)
    return hs, tables, folder, handed


def test_streamed_gp_requests_are_the_same_table_as_kept_ones(kept, streamed, tmp_path):
    _, tables = kept
    _, _, folder, handed = streamed
    assert len(handed) >= MONTHS  # a spill at the end of the warm-up's months and of every month
    tables["gp_appointments"].to_parquet(tmp_path / "kept.parquet", index=True)
    want = pd.read_parquet(tmp_path / "kept.parquet")
    got = pd.read_parquet(folder / "gp_appointments.parquet")
    assert len(want) > 50_000
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_streamed_run_has_the_same_kpis(kept, streamed):
    """Equal to rounding: a month's sums are added in the order its journeys left memory."""
    _, want = kept
    hs, got, _, _ = streamed
    assert len(hs.results.partial) >= MONTHS - 1  # every month but the last has journeys gone
    for name in ("kpis_monthly", "kpis_by_site", "summary"):
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=False, rtol=1e-12, atol=0)


def test_streamed_journeys_are_the_same_table_as_kept_ones(kept, streamed, tmp_path):
    hs_kept, tables = kept
    hs, _, folder, _ = streamed
    assert hs.log.held < hs.log.n / 3  # most journeys were handed over during the run
    tables["journeys"].to_parquet(tmp_path / "kept.parquet", index=True)
    want = pd.read_parquet(tmp_path / "kept.parquet")
    got = pd.read_parquet(folder / "journeys.parquet")
    assert len(want) == hs_kept.log.n > 5_000
    assert not got.index.is_monotonic_increasing  # in the order they left memory: long stays last
    pd.testing.assert_frame_equal(got.sort_index(), want, check_exact=True)


def test_no_journey_is_handed_over_before_it_is_final(streamed):
    hs, _, folder, _ = streamed
    got = pd.read_parquet(folder / "journeys.parquet", columns=["end", "t_end", "readmitted"])
    held = hs.log.base + np.flatnonzero(hs.log.held_mask())
    handed = ~got.index.isin(held)
    assert handed.sum() > len(got) / 2 and (got.end[handed] != "in_system").all()
    # each journey whose readmission came was still in memory to be marked
    j = pd.read_parquet(folder / "journeys.parquet", columns=["entry", "previous"])
    back = j.previous[(j.entry == "readmission") & (j.previous >= 0)]
    assert len(back) > 10 and got.readmitted.loc[back.to_numpy()].all()


def test_every_other_consumer_sees_the_same_run(kept, streamed):
    """Place summaries (experiments) and calibration periods from kept tallies equal the kept run's."""
    from sim.calibration import simulated
    from sim.kpis import place_summaries

    hs_kept, hs = kept[0], streamed[0]
    for got, want in ((place_summaries(hs), place_summaries(hs_kept)),
                      (simulated(hs, hs.calendar.month_labels[:3]), simulated(hs_kept, hs.calendar.month_labels[:3]))):
        assert got.keys() == want.keys()
        for scope in want:
            assert got[scope].keys() == want[scope].keys()
            for kpi, value in want[scope].items():
                assert got[scope][kpi] == pytest.approx(value, rel=1e-12, nan_ok=True), (scope, kpi)


def test_no_request_is_handed_over_while_it_waits(streamed):
    _, _, _, handed = streamed
    for rows, queued, _held in handed:
        assert not np.isin(rows["request"], queued).any()
        assert (rows["outcome"] != GpOutcome.WAITING).all()
    ids = np.concatenate([rows["request"] for rows, _, _ in handed])
    assert (np.diff(ids) == 1).all()  # in order, none twice, none skipped


def test_streaming_keeps_weeks_of_requests_in_memory_not_the_run(kept, streamed):
    hs_kept, _ = kept
    hs, _, _, handed = streamed
    assert hs.primary_care.log.n == hs_kept.primary_care.log.n
    per_month = hs.primary_care.log.n / (MONTHS + hs.calendar.warmup_minutes / (30 * 1440))
    assert max(held for _, _, held in handed) < per_month  # after each spill: less than a month's requests


def test_an_experiment_run_drops_the_rows_and_keeps_their_kpis(kept):
    hs = health_system(config(TOWN, NO_ORGANISATIONS, SHORT_OF_GPS), seed=5, months=MONTHS)
    outputs.stream(hs, None)
    hs.run()
    pd.testing.assert_series_equal(kpi_tables(hs)[2], kpi_tables(kept[0])[2], check_exact=False, rtol=1e-12, atol=0)
    assert hs.primary_care.log.held < kept[0].primary_care.log.n / 2
    assert hs.log.held < kept[0].log.n / 2


class Rows(ColumnTable):
    COLUMNS = {"value": ("i8", -1), "done": ("?", False)}
    INDEX_NAME = "row"


def test_spilling_keeps_ids_and_the_rows_after_the_cut():
    table = Rows(capacity=4)
    ids = table.new_block(10)
    table.value[ids] = ids * 10
    out = table.spill(6)
    assert out["row"].tolist() == list(range(6)) and out["value"].tolist() == [0, 10, 20, 30, 40, 50]
    assert table.base == 6 and table.held == 4
    more = table.new_block(3)
    assert more.tolist() == [10, 11, 12]
    table.value[more] = more * 10
    frame = table.frame()
    assert frame.index.tolist() == list(range(6, 13)) and frame.value.tolist() == [i * 10 for i in range(6, 13)]
    assert table.spill(3)["row"].tolist() == []  # a cut before what was already handed over gives nothing
