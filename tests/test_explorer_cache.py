"""The explorer's baseline cache (``viz/cache.py``) and its runs in worker processes
(``viz/runs.py``), without a browser: the small Midshire of the browser tests, a few months."""

from __future__ import annotations

import os
import time
import zipfile
from dataclasses import replace

import pandas as pd
import pytest
from test_explorer import tiny_config

import viz.cache
from experiments.design import run_key
from viz.cache import SUFFIX, BaselineCache, entry_key
from viz.footprints import load
from viz.levers import levers_of
from viz.monthly import TABLES
from viz.runs import CachedRun, LocalRunner, ProcessRunner, RemoteRun, RunError, Workers
from viz.session import Session

MONTHS = 2


@pytest.fixture(scope="module")
def footprint(tmp_path_factory):
    return load(tiny_config(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def baseline(footprint):
    """The tiny footprint's baseline, two months, run here."""
    run = LocalRunner().baseline(footprint.config, 3, MONTHS)
    run.wait_for(MONTHS)
    return run


def assert_same_views(a, b):
    assert len(a.views) == len(b.views)
    for va, vb in zip(a.views, b.views):
        assert (va.months_done, va.month_labels) == (vb.months_done, vb.month_labels)
        for table in ("kpis", "sites", "organisations", "decisions", "site_kpis", "ledgers"):
            pd.testing.assert_frame_equal(getattr(va, table), getattr(vb, table), obj=f"{table}, month {va.months_done}")


def test_the_key_changes_with_config_seed_months_and_code(footprint, monkeypatch):
    cfg = footprint.config
    key = entry_key(cfg, 3, 12)
    assert key.startswith(run_key(cfg.digest(), 3) + "-months12-")  # keyed like a sweep's runs
    other = footprint.config.model_copy(update={"name": "another"})
    assert len({key, entry_key(other, 3, 12), entry_key(cfg, 4, 12), entry_key(cfg, 3, 24)}) == 4
    monkeypatch.setattr(viz.cache, "_version", lambda: "99.0")
    viz.cache.code_digest.cache_clear()
    try:
        assert entry_key(cfg, 3, 12) != key  # another icsim version: another entry
    finally:
        monkeypatch.undo()
        viz.cache.code_digest.cache_clear()
    assert entry_key(cfg, 3, 12) == key


def test_the_code_digest_follows_the_model_source(tmp_path, monkeypatch):
    for folder in ("sim", "agents", "viz"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.py").write_text("x = 1\n")
    (tmp_path / "viz" / "monthly.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "0.1.0"\n')
    monkeypatch.setattr(viz.cache, "ROOT", tmp_path)
    viz.cache.code_digest.cache_clear()
    try:
        before = viz.cache.code_digest()
        (tmp_path / "agents" / "a.py").write_text("x = 2\n")
        viz.cache.code_digest.cache_clear()
        assert viz.cache.code_digest() != before
    finally:
        monkeypatch.undo()
        viz.cache.code_digest.cache_clear()


def test_a_cached_baseline_gives_the_same_views_as_the_run(footprint, baseline, tmp_path):
    cache = BaselineCache(tmp_path / "cache")
    assert cache.read(footprint.config, 3, MONTHS) is None and cache.why_not is None
    path = cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    assert path == cache.path(footprint.config, 3, MONTHS) and path.name.endswith(SUFFIX)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == {"manifest.json", *(f"{t}.parquet" for t in TABLES)}
    cached = CachedRun("baseline", footprint.config, 3, MONTHS, cache.read(footprint.config, 3, MONTHS))
    assert cached.complete
    assert_same_views(baseline, cached)
    assert cache.read(footprint.config, 4, MONTHS) is None  # another seed: no entry


def damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "cut short":
        path.write_bytes(data[: len(data) // 2])
    elif how == "a byte changed":
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("kpis.parquet")
        at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2  # inside the member's data
        path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "a table missing":
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(path.with_suffix(".tmp"), "w") as dst:
            for item in src.infolist():
                if item.filename != "ledgers.parquet":
                    dst.writestr(item, src.read(item))
        path.with_suffix(".tmp").replace(path)


@pytest.mark.parametrize("how", ["cut short", "a byte changed", "empty", "a table missing"])
def test_a_damaged_entry_is_never_used(footprint, baseline, tmp_path, how):
    cache = BaselineCache(tmp_path)
    path = cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    damage(path, how)
    assert cache.read(footprint.config, 3, MONTHS) is None
    assert cache.why_not.startswith(path.name)


def test_an_entry_under_another_key_is_not_used(footprint, baseline, tmp_path):
    """A file whose manifest is not its key's (copied or renamed by hand) is not used."""
    cache = BaselineCache(tmp_path)
    path = cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    os.replace(path, cache.path(footprint.config, 5, MONTHS))
    assert cache.read(footprint.config, 5, MONTHS) is None and "manifest" in cache.why_not


def test_writing_is_atomic(footprint, baseline, tmp_path, monkeypatch):
    """A write that fails leaves the entry before it untouched and no file of its own; a
    temporary file left by a stopped server is not an entry."""
    cache = BaselineCache(tmp_path)
    path = cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    before = path.read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    monkeypatch.undo()
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]
    with pytest.raises(ValueError, match="needs 2 months"):
        cache.write(footprint.config, 3, MONTHS, baseline._views.tables[:1])  # a run not finished
    path.unlink()
    (tmp_path / f".{path.name}.12345.tmp").write_bytes(before[:100])
    assert cache.read(footprint.config, 3, MONTHS) is None and cache.why_not is None


def test_clearing_deletes_only_icsims_files(footprint, baseline, tmp_path):
    cache = BaselineCache(tmp_path)
    cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    (tmp_path / f".x{SUFFIX}.1.tmp").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "results.zip").write_bytes(b"")
    assert cache.clear() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "results.zip"]
    assert BaselineCache(tmp_path / "nowhere").clear() == 0


# --- runs in worker processes -----------------------------------------------------------------


@pytest.fixture(scope="module")
def workers():
    return Workers()


def test_worker_processes_give_the_same_months_and_save_the_baseline(footprint, baseline, tmp_path, workers):
    """Scenario and baseline each in a process of their own, at the same time; the same views
    as runs made here; the baseline, run to its end in the background, is saved to the cache and
    read from it the next time."""
    runner = ProcessRunner(BaselineCache(tmp_path), lookahead=0)
    runner.workers = workers
    lv = replace(levers_of(footprint.config), admission_diversion_share=0.4)
    s = Session(footprint, lv, 3, MONTHS, runner=runner)
    assert isinstance(s.baseline, RemoteRun) and isinstance(s.scenario, RemoteRun)
    assert s.baseline.process.pid != s.scenario.process.pid
    s.step()
    s.step()
    here = Session(footprint, lv, 3, MONTHS)
    here.step()
    here.step()
    assert_same_views(here.scenario, s.scenario)
    assert_same_views(baseline, s.baseline)
    assert s.baseline.settled.wait(60) and s.baseline.note == "saved to the cache"
    again = ProcessRunner(BaselineCache(tmp_path))
    cached = again.baseline(footprint.config, 3, MONTHS)
    assert isinstance(cached, CachedRun)
    assert_same_views(baseline, cached)
    assert runner.baseline(footprint.config, 3, MONTHS) is s.baseline  # one run per server and key
    s.close()


def test_a_damaged_entry_is_computed_again_and_replaced(footprint, baseline, tmp_path, workers):
    cache = BaselineCache(tmp_path)
    path = cache.write(footprint.config, 3, MONTHS, baseline._views.tables)
    damage(path, "cut short")
    runner = ProcessRunner(cache)
    runner.workers = workers
    run = runner.baseline(footprint.config, 3, MONTHS)
    assert isinstance(run, RemoteRun) and "could not be used" in run.note
    assert run.wait_for(MONTHS, timeout=120) and run.settled.wait(60)
    assert run.note == "saved to the cache"
    assert_same_views(baseline, CachedRun("baseline", footprint.config, 3, MONTHS,
                                          cache.read(footprint.config, 3, MONTHS)))


def test_a_run_that_stops_says_why(footprint, workers):
    run = RemoteRun("scenario", footprint.config, -1, MONTHS, workers)  # a seed the model refuses
    with pytest.raises(RunError, match="the scenario run stopped: ValueError"):
        run.wait_for(1, timeout=120)
    closed = RemoteRun("scenario", footprint.config, 3, MONTHS, workers)
    closed.close()
    with pytest.raises(RunError, match="closed"):
        closed.wait_for(1, timeout=10)


def test_a_baseline_nobody_shows_pauses_and_goes_on_when_shown_again(footprint, tmp_path, workers):
    """Computed in the background while a session shows it; paused after the month under way
    when the last session showing it closes (another footprint chosen), so that it does not
    slow what is on the page; resumed when a session shows it again."""
    runner = ProcessRunner(BaselineCache(tmp_path))
    runner.workers = workers
    months = 6
    first = Session(footprint, levers_of(footprint.config), 3, months, runner=runner)
    run = first.baseline
    assert run.wait_for(1, timeout=120, ask=False)
    first.close()
    time.sleep(3)  # the month under way, and perhaps the one whose result was on its way, end
    paused = run.months_done
    time.sleep(3)
    assert run.months_done == paused < months
    again = Session(footprint, levers_of(footprint.config), 3, months, runner=runner)
    assert again.baseline is run
    assert run.wait_for(months, timeout=120, ask=False) and run.settled.wait(60)
    again.close()


def test_icsim_explore_clear_cache(footprint, baseline, tmp_path, capsys):
    from icsim.cli import main

    BaselineCache(tmp_path).write(footprint.config, 3, MONTHS, baseline._views.tables)
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["explore", "--cache", str(tmp_path), "--clear-cache"]) == 0
    assert f"1 cached baseline file deleted from {tmp_path}" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_baseline_left_in_its_first_month_is_stopped_and_started_again_when_shown(footprint, tmp_path, workers):
    runner = ProcessRunner(BaselineCache(tmp_path))
    runner.workers = workers
    first = Session(footprint, levers_of(footprint.config), 3, MONTHS, runner=runner)
    run = first.baseline
    first.close()  # at once: no month done yet
    assert run.error == "it was closed"
    again = Session(footprint, levers_of(footprint.config), 3, MONTHS, runner=runner)
    assert again.baseline is not run and again.baseline.wait_for(MONTHS, timeout=120, ask=False)
    again.close()
