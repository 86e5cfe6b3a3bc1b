"""The interactive explorer (``icsim explore``, ``viz/``).

Pure Python first: the levers and the config fields they set, the presets, the scenario and
baseline run side by side, the command's refusals. Then the page itself in a real browser:
headless Chromium (Debian's package, installed by ``tests/install_browser.sh`` when missing),
driven by Playwright, against a server started with ``icsim explore`` on a free loopback port.
Both use a small Midshire (``tiny_config``: the baseline with a twentieth of its people and
capacities) so that a month takes a fraction of a second.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import BASELINE, ROOT

from icsim.cli import main
from sim.config import ConfigError, load_raw, validate
from sim.kpis import kpi_tables
from viz.footprints import footprints, load
from viz.levers import FIELDS, SITE, levers_of, patch, scenario_config
from viz.presets import AS_CONFIGURED, SQUEEZE, presets
from viz.session import Session

NW_LONDON = ROOT / "configs" / "nw_london.yaml"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_BROWSER = ROOT / "tests" / "install_browser.sh"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def tiny_config(folder: Path, factor: int = 20) -> Path:
    """The baseline with 1/``factor`` of its people and of every capacity and budget, and a
    two-week warm-up: the same system in miniature."""
    raw = load_raw(BASELINE)

    def small(x: float) -> int:
        return max(1, round(x / factor))

    sites = {}
    for name, site in raw["sites"].items():
        p = {k: small(site[k]) for k in ("beds", "elective_beds") if site.get(k)}
        for service in ("emergency_department", "urgent_care_centre"):
            if site.get(service):
                p[service] = {k: small(v) for k, v in site[service].items() if k in ("clinicians", "cubicles")}
        if p:
            sites[name] = p
    community, care = raw["community"], raw["social_care"]
    scaled = {
        "name": "tiny_midshire",
        "run": {"warmup_days": 14},
        "localities": {name: {"population": {band: round(n / factor) for band, n in loc["population"].items()}}
                       for name, loc in raw["localities"].items()},
        "sites": sites,
        "ambulance": {"vehicles": small(raw["ambulance"]["vehicles"])},
        "community": {k: small(community[k]) for k in ("virtual_ward_beds", "urgent_response_caseload",
                                                      "intermediate_care_beds", "reablement_caseload")},
        "social_care": {"home_care_packages": small(care["home_care_packages"]),
                        "care_home_places": small(care["care_home_places"]),
                        "home_care_community_starts_per_week": care["home_care_community_starts_per_week"] / factor,
                        "care_home_community_admissions_per_week":
                            care["care_home_community_admissions_per_week"] / factor},
        "organisations": {"local_authority": {
            "social_care_budget": raw["organisations"]["local_authority"]["social_care_budget"] / factor}},
    }
    path = folder / "tiny.yaml"
    path.write_text(f"extends: {BASELINE}\n" + yaml.safe_dump(scaled, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return tiny_config(tmp_path_factory.mktemp("explorer"))


def field(cfg, path: str):
    node = cfg
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


# --- levers -> config ----------------------------------------------------------------------------


def test_levers_as_configured_give_back_the_config():
    for path in (BASELINE, NW_LONDON):
        fp = load(path)
        assert scenario_config(fp.raw, levers_of(fp.config)).digest() == fp.config.digest()


def test_every_lever_sets_the_config_field_it_names():
    fp = load(BASELINE)
    base = levers_of(fp.config)
    moved = replace(base, admission_diversion_share=0.33, virtual_ward_beds=401, intermediate_care_beds=402,
                    reablement_caseload=403, eligibility_threshold=0.45,
                    ae_open={**base.ae_open, "north_general": False}, beds={**base.beds, "city_royal": 700},
                    money=replace(base.money, allocation_per_head=810.0, allocation_growth=0.021, cost_growth=0.034,
                                  efficiency_asked=0.05, first_year_savings=0.03, redundancy_centrally_funded=True,
                                  social_care_budget=2.0e8, council_budget_growth=-0.01))
    cfg = scenario_config(fp.raw, moved)
    expected = {FIELDS[k]: getattr(moved, k) for k in FIELDS if hasattr(moved, k) and k not in ("ae_open", "beds")}
    expected |= {FIELDS[k]: getattr(moved.money, k) for k in FIELDS if hasattr(moved.money, k)}
    expected[FIELDS["ae_open"].replace(SITE, "north_general")] = False
    expected[FIELDS["beds"].replace(SITE, "city_royal")] = 700
    assert len(expected) == len(FIELDS)
    for path, value in expected.items():
        assert field(cfg, path) == value, path
    assert field(cfg, "sites.city_royal.emergency_department.open") is True  # the others are left alone
    assert levers_of(cfg) == moved


@pytest.mark.parametrize("change, problem", [
    (lambda lv: replace(lv, ae_open=dict.fromkeys(lv.ae_open, False)),
     "sites: at least one open emergency department (type 1 A&E) is needed"),
    (lambda lv: replace(lv, beds={**lv.beds, "city_royal": 80}), "sites.city_royal: elective_beds must not exceed beds"),
    (lambda lv: replace(lv, admission_diversion_share=1.5),
     "community.admission_diversion_share: Input should be less than or equal to 1"),
    (lambda lv: replace(lv, money=replace(lv.money, social_care_budget=-1.0)),
     "organisations.local_authority.social_care_budget: Input should be greater than or equal to 0"),
])
def test_levers_the_model_cannot_run_are_refused_naming_the_field(change, problem):
    fp = load(BASELINE)
    with pytest.raises(ConfigError) as exc:
        scenario_config(fp.raw, change(levers_of(fp.config)))
    assert any(problem in line for line in exc.value.problems), exc.value.problems


def test_a_footprint_without_organisations_has_no_money_levers():
    fp = load(NW_LONDON)
    levers = levers_of(fp.config)
    assert levers.money is None and "organisations" not in patch(levers)
    assert len(levers.ae_open) == 9
    assert set(presets(fp)) == {AS_CONFIGURED, "Divert 40% of admissions to community care",
                                "Close the smallest A&E (hammersmith_hospital)"}


def test_presets_mirror_the_experiments():
    fp = load(BASELINE)
    base, chosen = levers_of(fp.config), presets(fp)
    divert = chosen["Divert 40% of admissions to community care"]
    assert (divert.admission_diversion_share, divert.virtual_ward_beds) == (0.40, 550)  # forty_percent, funded
    squeeze = chosen["Efficiency squeeze (configs/squeeze.yaml)"].money
    own = yaml.safe_load(SQUEEZE.read_text())["organisations"]
    assert (squeeze.allocation_growth, squeeze.cost_growth, squeeze.efficiency_asked, squeeze.first_year_savings) == (
        own["icb"]["allocation_growth"], own["icb"]["cost_growth"], own["icb"]["efficiency_asked"],
        own["icb"]["first_year_savings"])
    assert squeeze.council_budget_growth == own["local_authority"]["budget_growth"] == 0.0
    assert squeeze.allocation_per_head == base.money.allocation_per_head  # squeeze.yaml does not set it
    assert chosen["Social care budget cut 20%"].money.social_care_budget == 204_800_000  # social_care budget_cut_20
    closed = chosen["Close the smallest A&E (south_district)"]
    assert [s for s, is_open in closed.ae_open.items() if not is_open] == ["south_district"]


def test_footprints_are_the_configs_that_define_places(tiny):
    labels = [fp.config.name for fp in footprints(tiny)]
    assert labels == ["tiny_midshire", "baseline", "nw_london"]  # not england.yaml, not squeeze.yaml


# --- the session: scenario and baseline in lockstep ------------------------------------------------


@pytest.fixture(scope="module")
def tiny_session(tiny) -> Session:
    fp = load(tiny)
    diverted = replace(levers_of(fp.config), admission_diversion_share=0.4)
    s = Session(fp, diverted, seed=5, months=12)
    s.step()
    s.step()
    return s


def test_scenario_and_baseline_step_together(tiny_session):
    s = tiny_session
    scenario, baseline = s.views()
    assert s.month == scenario.months_done == baseline.months_done == 2
    assert scenario.kpis.index.tolist() == baseline.kpis.index.tolist() == ["2024-04", "2024-05"]
    # today's 2% target is met among patients assessed suitable; 40% is held back by the town's 6 beds
    assert (scenario.kpis.diverted_to_virtual_ward > 3 * baseline.kpis.diverted_to_virtual_ward).all()
    # common random numbers: the same patients arrive in both, but for the few who died of waiting in
    # one and not the other (sim/outcomes.py takes them out of the population)
    np.testing.assert_allclose(scenario.kpis.ambulance_incidents_per_1000, baseline.kpis.ambulance_incidents_per_1000,
                               rtol=0.005)


def test_a_month_is_measured_as_kpi_tables_measures_it(tiny_session):
    for run, view in zip((tiny_session.scenario, tiny_session.baseline), tiny_session.views()):
        monthly, _, _ = kpi_tables(run.model)
        last = monthly[monthly.month == "2024-05"].set_index("kpi").value
        pd.testing.assert_series_equal(view.kpis.loc["2024-05"].astype(float), last.astype(float),
                                       check_names=False, check_index_type=False)


def test_restarting_the_scenario_keeps_the_baseline_run(tiny_session):
    s = tiny_session
    again = Session(s.footprint, replace(s.levers, admission_diversion_share=0.1), seed=5, months=12, previous=s)
    assert again.baseline is s.baseline and again.scenario is not s.scenario and again.month == 0
    again.step()
    assert s.baseline.months_done == 2  # month 1 was there already: nothing re-run
    assert again.views()[1] is s.baseline.views[2]  # the baseline as far as it has run, for the page
    assert again.baseline.views[again.month] is s.baseline.views[1]  # the download's month
    other_seed = Session(s.footprint, s.levers, seed=6, months=12, previous=s)
    assert other_seed.baseline is not s.baseline
    as_configured = Session(s.footprint, levers_of(s.footprint.config), seed=5, months=12, previous=s)
    assert as_configured.scenario is as_configured.baseline  # the same run, simulated once


def test_a_session_refuses_levers_the_model_cannot_run(tiny):
    fp = load(tiny)
    lv = levers_of(fp.config)
    with pytest.raises(ConfigError):
        Session(fp, replace(lv, ae_open=dict.fromkeys(lv.ae_open, False)), seed=1, months=12)
    with pytest.raises(ConfigError, match="seed"):
        Session(fp, lv, seed=-1, months=12)


def test_the_download_holds_both_runs(tiny_session):
    with zipfile.ZipFile(io.BytesIO(tiny_session.results_zip())) as zf:
        names = set(zf.namelist())
        assert {"kpis_monthly.csv", "kpis_by_site.csv", "organisations.csv", "decisions.csv", "ledgers.csv",
                "scenario_config.yaml", "levers.json"} <= names
        kpis = pd.read_csv(zf.open("kpis_monthly.csv"))
        config = yaml.safe_load(zf.read("scenario_config.yaml"))
        levers = json.loads(zf.read("levers.json"))
        everything = b"".join(zf.read(name) for name in names).decode()
    assert levers["footprint"] == tiny_session.footprint.path.name
    assert validate(config).digest() == tiny_session.config.digest()  # the config loads back as it ran
    # no path of the server's: not the footprint's folder, not the home or working folder
    for folder in {str(tiny_session.footprint.path.parent), str(Path.home()), os.getcwd()} - {"/"}:
        assert folder not in everything
    assert set(kpis.run) == {"scenario", "baseline"} and set(kpis.month) == {"2024-04", "2024-05"}
    diverted = kpis[kpis.kpi == "diverted_to_virtual_ward"].groupby("run").value.sum()
    assert diverted["scenario"] > diverted["baseline"]
    assert config["community"]["admission_diversion_share"] == 0.4


def zip_months(data: bytes) -> tuple[dict[tuple[str, str], set[str]], int]:
    """The months each table of a results zip holds, by (table, run); and levers.json's months_done."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        months = {}
        for name in ("kpis_monthly", "kpis_by_site", "organisations", "ledgers", "decisions"):
            df = pd.read_csv(zf.open(f"{name}.csv"))
            months |= {(name, run): set(df.month[df.run == run]) for run in ("scenario", "baseline")}
        return months, json.loads(zf.read("levers.json"))["months_done"]


def test_a_download_made_while_a_month_runs_holds_the_same_months_of_both_runs(tiny):
    """The worker thread runs the scenario's month, then the baseline's; a zip made in between
    (here the baseline's month is held until the zip is made) holds the months both runs have
    completed, says so in levers.json, and does not wait for the month being run."""
    fp = load(tiny)
    s = Session(fp, replace(levers_of(fp.config), admission_diversion_share=0.4), seed=5, months=12)
    s.step()
    entered, release = threading.Event(), threading.Event()
    run_month = s.baseline.model.step

    def held_month():
        entered.set()
        release.wait(10)
        run_month()

    s.baseline.model.step = held_month
    worker = threading.Thread(target=s.step)
    worker.start()
    try:
        assert entered.wait(60)
        assert (s.scenario.months_done, s.baseline.months_done, s.month) == (2, 1, 1)
        started = time.monotonic()
        during = s.results_zip()
        waited = time.monotonic() - started
    finally:
        release.set()
        worker.join(60)
    assert waited < 5, f"the zip waited {waited:.1f} s for the baseline's month to end"
    months, done = zip_months(during)
    assert done == 1
    for (table, run), held in months.items():
        assert held <= {"2024-04"}, (table, run, held)
        if table != "decisions":  # the others have a row for every month
            assert held == {"2024-04"}, (table, run, held)
    months, done = zip_months(s.results_zip())  # the month ended: both runs, two months
    assert done == 2 and months[("kpis_monthly", "scenario")] == months[("kpis_monthly", "baseline")] == {
        "2024-04", "2024-05"}
    assert zip_months(s.results_zip(1)) == zip_months(during)  # the month the page shows, as the page names it
    with pytest.raises(ValueError, match="months_done"):
        s.results_zip(3)


# --- the command ----------------------------------------------------------------------------------


def test_explore_refuses_a_bad_config_or_port_before_starting(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nsites:\n  city_royal: {{beds: -5}}\n")
    assert main(["explore", str(bad), "--port", str(free_port())]) == 2
    assert "sites.city_royal.beds: Input should be greater than or equal to 0" in capsys.readouterr().err
    assert main(["explore", str(BASELINE), "--port", "70000"]) == 2
    assert "--port: must be between 1 and 65535" in capsys.readouterr().err
    with socket.create_server(("127.0.0.1", 0)) as busy:
        assert main(["explore", str(BASELINE), "--port", str(busy.getsockname()[1])]) == 2
    assert "--port: cannot listen on 127.0.0.1" in capsys.readouterr().err
    assert main(["explore", str(BASELINE), "--host", "no-such-host.invalid", "--port", str(free_port())]) == 2
    assert "--host: no-such-host.invalid" in capsys.readouterr().err


# --- the page, in a browser -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, installed by the project's script if missing. Under CI (CI=true) a
    failed install fails the tests; elsewhere it skips them."""
    if not CHROMIUM.exists():
        result = subprocess.run(["sh", str(INSTALL_BROWSER)], capture_output=True, text=True)
        if result.returncode != 0 or not CHROMIUM.exists():
            why = f"could not install Chromium with {INSTALL_BROWSER}: {result.stderr.strip()[-500:]}"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(why)
            pytest.skip(why)
    return CHROMIUM


@pytest.fixture(scope="module")
def explorer_cache(tmp_path_factory) -> Path:
    """The browser tests' baseline cache (empty when the server starts)."""
    return tmp_path_factory.mktemp("explorer-cache")


@contextlib.contextmanager
def explorer(config: Path, cache: Path, log: Path):
    """``icsim explore CONFIG`` on a free loopback port with its baseline cache in ``cache``:
    the page's address once it answers."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "icsim", "explore", str(config), "--port", str(port),
                                 "--cache", str(cache)],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the explorer did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(tiny, tmp_path_factory, explorer_cache):
    """``icsim explore`` on a free loopback port, serving the tiny footprint, its baseline cache
    in a folder of its own."""
    with explorer(tiny, explorer_cache, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=str(chromium), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900}, accept_downloads=True)
        yield context
        context.close()


@pytest.fixture
def page(browser, server):
    """A fresh page (a new Solara session, with its own state) on the explorer."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(60_000)
    expect.set_options(timeout=30_000)  # a redraw of the charts can take seconds on a busy machine
    page.goto(server)
    page.locator(".month-label").get_by_text("Month 0 of 12: not started").wait_for()
    yield page
    page.close()


def month_label(page) -> str:
    return page.locator(".month-label").inner_text()


def kpi_row(page, label: str) -> list[str]:
    """The cells of a row of the KPI table: label, scenario, baseline, difference."""
    row = page.locator("#kpi-table tr", has=page.locator("td", has_text=label)).first
    row.wait_for()  # the table may arrive a moment after the month's label
    return row.locator("td").all_inner_texts()


def wait_for_month(page, n: int) -> None:
    """Until the page shows month ``n``: its label, and (from month 1) its KPI table."""
    page.locator(".month-label").get_by_text(f"Month {n} of 12").wait_for()
    if n:
        page.locator("h4", has_text=f"Month {n} (").wait_for()


def switch_ae(page, site: str, to: str) -> None:
    page.locator(f".lever-ae_open-{site} label").click()
    page.locator(f".lever-ae_open-{site}").get_by_text(f"A&E {to}").wait_for()


def test_the_page_loads_with_levers_map_and_no_month_run(page):
    from playwright.sync_api import expect

    expect(page.locator(".lever-admission_diversion_share .lever-label")).to_have_text("Admissions diverted to virtual wards: 2%")
    expect(page.locator("svg g.site")).to_have_count(7)
    expect(page.locator("#site-city_royal")).to_have_class("site ae-open")
    expect(page.get_by_text("No month run yet")).to_be_visible()
    expect(page.locator("img")).to_have_count(2)  # the KPI and finance charts


def test_a_lever_changed_then_months_run_update_the_charts(page):
    from playwright.sync_api import expect

    lever = page.locator(".lever-admission_diversion_share")
    lever.locator("[role=slider]").focus()
    page.keyboard.press("End")  # one key, so no key press can cross the server's reply to another
    expect(lever.locator(".lever-label")).to_have_text("Admissions diverted to virtual wards: 60%")
    charts = page.locator("img").first
    expect(charts).to_have_attribute("src", re.compile("."))
    before = charts.get_attribute("src")
    page.locator(".step-month").click()
    wait_for_month(page, 1)
    assert month_label(page) == "Month 1 of 12: 2024-04"
    expect(page.get_by_text("community.admission_diversion_share changed from the config")).to_be_visible()
    _, scenario, baseline, _ = kpi_row(page, "Admissions diverted to virtual wards")
    assert int(scenario) > 3 * max(int(baseline), 1)
    occupancy_month_1 = kpi_row(page, "Bed occupancy at midnight")
    expect(charts).not_to_have_attribute("src", before)
    expect(page.locator("#decision-log")).to_contain_text("council")

    page.locator(".run-year").click()
    wait_for_month(page, 3)
    page.locator(".stop").click()
    expect(page.locator(".stop")).to_be_disabled()
    done = int(month_label(page).split()[1])
    assert done >= 3
    expect(page.locator("h4", has_text=f"Month {done} (")).to_be_visible()
    assert kpi_row(page, "Bed occupancy at midnight") != occupancy_month_1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer.png"))


def test_a_closed_ae_shows_closed_on_the_map(page):
    from playwright.sync_api import expect

    switch_ae(page, "north_general", "closed")
    page.locator(".apply-levers").click()
    site = page.locator("#site-north_general")
    expect(site).to_have_class("site ae-closed")
    expect(site).to_have_attribute("aria-label", re.compile("A&E closed"))
    expect(page.locator("#site-city_royal")).to_have_class("site ae-open")
    expect(page.locator("#site-table tr", has_text="north_general")).to_contain_text("closed")
    page.locator(".step-month").click()
    wait_for_month(page, 1)
    expect(site).to_have_class("site ae-closed")


def site_row(page, site: str) -> dict[str, str]:
    """A row of the site table, by column."""
    table = page.locator("#site-table")
    header = table.locator("th").all_inner_texts()
    cells = table.locator("tr", has=page.locator("td", has_text=site)).first.locator("td").all_inner_texts()
    return dict(zip(header, cells))


def click_site(page, site: str, to: str) -> None:
    """Click a type 1 A&E on the map; its switch in the levers panel follows."""
    page.locator(f".site-toggle-{site}").click()
    page.locator(f".lever-ae_open-{site}").get_by_text(f"A&E {to}").wait_for()


def test_clicking_an_ae_on_the_map_closes_it_and_clicking_again_reopens_it(page):
    from playwright.sync_api import expect

    button, drawn = page.locator(".site-toggle-north_general"), page.locator("#site-north_general")
    pending = re.compile(r"\bpending\b")
    expect(button).to_have_attribute("aria-pressed", "true")
    click_site(page, "north_general", "closed")
    expect(page.locator(".lever-ae_open-north_general input")).not_to_be_checked()
    expect(button).to_have_attribute("aria-label", re.compile(r"A&E closed \(click to open\); not run yet"))
    expect(button).to_have_class(pending)
    expect(drawn).to_have_class("site ae-open")  # the drawing is the run on the page: nothing run yet
    page.locator(".step-month").click()  # before the first month, stepping applies the levers
    wait_for_month(page, 1)
    expect(drawn).to_have_class("site ae-closed")
    expect(button).not_to_have_class(pending)
    assert site_row(page, "north_general")["type 1 A&E"] == "closed"
    _, scenario, baseline, _ = kpi_row(page, "Travel to A&E, mean (min)")
    assert int(scenario) > int(baseline)  # its patients go to the next nearest A&E
    occupancy_closed = float(site_row(page, "north_general")["bed occupancy, last month"].rstrip("%"))

    for site in ("city_royal", "south_district"):  # every A&E closed: refused, on the page
        click_site(page, site, "closed")
    page.locator(".apply-levers").click()
    expect(page.locator(".lever-error")).to_contain_text("at least one open emergency department")
    assert month_label(page) == "Month 1 of 12: 2024-04"  # the run on the page is kept
    for site in ("city_royal", "south_district"):
        click_site(page, site, "open")

    click_site(page, "north_general", "open")  # mid-run: as the switch, it waits for Apply levers
    expect(page.get_by_text("The levers have changed since this run started")).to_be_visible()
    expect(drawn).to_have_class("site ae-closed")
    expect(button).to_have_class(pending)
    page.locator(".apply-levers").click()
    wait_for_month(page, 0)
    page.locator(".step-month").click()
    wait_for_month(page, 1)
    expect(drawn).to_have_class("site ae-open")
    expect(page.locator(".lever-error")).to_have_count(0)
    assert site_row(page, "north_general")["type 1 A&E"] == "open"
    assert kpi_row(page, "Travel to A&E, mean (min)")[3] == "no difference"  # the baseline itself
    assert float(site_row(page, "north_general")["bed occupancy, last month"].rstrip("%")) > occupancy_closed


def test_an_invalid_combination_shows_an_error_and_the_page_keeps_working(page):
    from playwright.sync_api import expect

    for site in ("city_royal", "north_general", "south_district"):
        switch_ae(page, site, "closed")
    page.locator(".apply-levers").click()
    error = page.locator(".lever-error")
    expect(error).to_contain_text("sites: at least one open emergency department (type 1 A&E) is needed")
    page.locator(".step-month").click()  # refused too: the levers still cannot be used
    page.wait_for_timeout(1000)
    expect(error).to_be_visible()
    assert month_label(page) == "Month 0 of 12: not started"

    switch_ae(page, "city_royal", "open")
    page.locator(".apply-levers").click()
    expect(error).to_have_count(0)
    page.locator(".step-month").click()
    wait_for_month(page, 1)
    expect(page.locator("#site-city_royal")).to_have_class("site ae-open")
    expect(page.locator("svg g.site.ae-closed")).to_have_count(2)


def test_the_results_download_as_a_zip(page):
    page.locator(".step-month").click()
    wait_for_month(page, 1)
    page.locator(".prepare-download").click()
    with page.expect_download() as download:
        page.locator("a.download-results").click()
    with zipfile.ZipFile(download.value.path()) as zf:
        kpis = pd.read_csv(zf.open("kpis_monthly.csv"))
    assert set(kpis.run) == {"scenario", "baseline"} and set(kpis.month) == {"2024-04"}


# --- timings: the baseline's year when a footprint is chosen again, a month of a scenario -----------
#
# Measured, printed at the end of the module and written to tests/artifacts/explorer_timings.txt
# with the machine's load; the tests assert only generous bounds (a shared 2-core machine is
# noisy). The small Midshire always; the full-size baseline footprint too with
# ICSIM_EXPLORER_FULL_TIMINGS=1 (a few minutes).

TIMINGS: list[tuple[str, str, float, float]] = []  # (footprint, what, seconds, load average)


def timed(footprint: str, what: str, seconds: float) -> float:
    TIMINGS.append((footprint, what, seconds, os.getloadavg()[0]))
    return seconds


def timing_lines() -> list[str]:
    """The timings measured, one a line (``conftest.pytest_terminal_summary`` prints them)."""
    return [f"{fp}: {what}: {seconds:.2f} s (load average {load:.1f} on {os.cpu_count()} cores)"
            for fp, what, seconds, load in TIMINGS]


@pytest.fixture(scope="module", autouse=True)
def report_timings():
    yield
    if TIMINGS:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "explorer_timings.txt").write_text("\n".join(timing_lines()) + "\n")


def baseline_year(page, months: int = 12, timeout: float = 60_000):
    """Wait until the page says the baseline's months are all there."""
    page.locator(".baseline-status").get_by_text(f"{months} of {months} months").wait_for(timeout=timeout)


def choose_footprint(page, current: str, chosen: str) -> None:
    page.get_by_text(current, exact=True).first.click()
    page.get_by_role("option", name=chosen).click()


def measure_footprint_again(page, first: str, other: str, name: str) -> None:
    """The first footprint's baseline computed (in the background: a generous wait), another
    footprint chosen, then the first again: the time to its baseline's year on the page."""
    baseline_year(page, timeout=900_000)
    choose_footprint(page, first, other)
    page.get_by_text(re.compile(f"^{re.escape(other.split()[0])}: [0-9,]+ people")).wait_for()
    started = time.monotonic()
    choose_footprint(page, other, first)
    page.get_by_text(re.compile(f"^{re.escape(first.split()[0])}: [0-9,]+ people")).wait_for()
    baseline_year(page)
    took = timed(name, "choosing the footprint again: its baseline's year on the page", time.monotonic() - started)
    assert took < 30
    assert month_label(page) == "Month 0 of 12: not started"


def measure_months(page, name: str) -> None:
    """A lever moved, then "Step a month" to the month on the page: the first month (with the
    warm-up), months asked for as soon as the last is shown, months asked for after a pause
    (the worker has run the next month ahead meanwhile), and months during "Run a year"."""
    lever = page.locator(".lever-admission_diversion_share")
    lever.locator("[role=slider]").focus()
    page.keyboard.press("End")

    def step(n: int) -> float:
        started = time.monotonic()
        page.locator(".step-month").click()
        wait_for_month(page, n)
        return time.monotonic() - started

    assert timed(name, "Step a month: month 1 (with the warm-up)", step(1)) < 300
    for n in (2, 3):
        assert timed(name, f"Step a month: month {n}, clicked as soon as month {n - 1} showed", step(n)) < 120
    for n in (4, 5):
        time.sleep(5)
        assert timed(name, f"Step a month: month {n}, clicked 5 s after month {n - 1} showed", step(n)) < 120
    started = time.monotonic()
    page.locator(".run-year").click()
    wait_for_month(page, 12)
    each = (time.monotonic() - started) / 7
    assert timed(name, "Run a year: a month on the page, months 6 to 12 on average", each) < 120
    _, scenario, baseline, _ = kpi_row(page, "Admissions diverted to virtual wards")
    assert int(scenario.replace(",", "")) > int(baseline.replace(",", ""))


def test_the_baseline_year_shows_at_once_when_the_footprint_is_chosen_again(page):
    measure_footprint_again(page, "tiny_midshire (tiny.yaml)", "baseline (baseline.yaml)", "tiny_midshire")


def test_a_new_server_shows_the_cached_baseline_at_once(tiny, explorer_cache, browser, tmp_path):
    """The first screen of another server sharing the cache: the baseline's year from the file."""
    deadline = time.monotonic() + 120
    while not list(explorer_cache.glob("*.icsim-baseline.zip")) and time.monotonic() < deadline:
        time.sleep(1)
    with explorer(tiny, explorer_cache, tmp_path / "server.log") as url:
        page = browser.new_page()
        try:
            started = time.monotonic()
            page.goto(url)
            baseline_year(page)
            took = timed("tiny_midshire", "a new server's first screen (page load included): the cached "
                                          "baseline's year", time.monotonic() - started)
            assert "from the cache" in page.locator(".baseline-status").inner_text()
            assert month_label(page) == "Month 0 of 12: not started"
            assert took < 60
        finally:
            page.close()


def test_a_month_of_a_scenario_shows_in_seconds(page):
    baseline_year(page)
    measure_months(page, "tiny_midshire")


@pytest.mark.skipif(os.environ.get("ICSIM_EXPLORER_FULL_TIMINGS") != "1",
                    reason="the full-size footprint's timings take minutes: ICSIM_EXPLORER_FULL_TIMINGS=1")
def test_timings_on_the_full_size_baseline_footprint(browser, tmp_path):
    """The same measures on configs/baseline.yaml (996,000 people), with a cache of its own."""
    cache = Path(os.environ.get("ICSIM_EXPLORER_CACHE") or tmp_path / "cache")
    with explorer(ROOT / "configs" / "baseline.yaml", cache, tmp_path / "server.log") as url:
        page = browser.new_page()
        page.set_default_timeout(600_000)
        try:
            started = time.monotonic()
            page.goto(url)
            baseline_year(page, timeout=1_800_000)
            source = "from the cache" if "from the cache" in page.locator(".baseline-status").inner_text() else \
                "computed in the background"
            timed("baseline", f"first screen to the baseline's year ({source})", time.monotonic() - started)
            measure_footprint_again(page, "baseline (baseline.yaml)", "nw_london (nw_london.yaml)", "baseline")
            measure_months(page, "baseline")
        finally:
            page.close()


def test_a_preset_moves_the_levers_and_a_footprint_without_money_hides_them(page):
    from playwright.sync_api import expect

    page.get_by_text(AS_CONFIGURED, exact=True).click()
    page.get_by_text("Divert 40% of admissions to community care").click()
    expect(page.locator(".lever-admission_diversion_share .lever-label")).to_have_text(
        "Admissions diverted to virtual wards: 40%")
    expect(page.locator(".lever-virtual_ward_beds .lever-label")).to_have_text("Virtual ward beds: 29")  # 8 x 550/150
    expect(page.locator(".lever-social_care_budget")).to_have_count(1)

    page.get_by_text("tiny_midshire (tiny.yaml)", exact=True).click()
    page.get_by_text("nw_london (nw_london.yaml)").click()
    expect(page.get_by_text("nw_london: 1,977,160 people")).to_be_visible()
    expect(page.get_by_text("This footprint has no organisations (organisations: null), so no money")).to_be_visible()
    expect(page.locator(".lever-social_care_budget")).to_have_count(0)
    expect(page.locator("[class*=lever-ae_open-]")).to_have_count(9)
    expect(page.locator("svg g.site.ae-open")).to_have_count(9)
    expect(page.locator(".lever-admission_diversion_share .lever-label")).to_have_text(
        "Admissions diverted to virtual wards: 0%")  # england_2012.yaml: virtual wards were rare in 2012


def test_every_preset_value_sits_on_its_sliders_grid():
    """A slider snaps its value to its step and writes the snapped value back: a preset's 550
    virtual ward beds on a step of 3 would become 549 and the scenario would change unasked."""
    from viz.controls import _capacity_range

    for path in (BASELINE, NW_LONDON):
        fp = load(path)
        base = levers_of(fp.config)
        for name, chosen in presets(fp).items():
            for lever, times in (("virtual_ward_beds", 4.0), ("intermediate_care_beds", 2.0),
                                 ("reablement_caseload", 2.0)):
                low, high, step = _capacity_range(getattr(base, lever), times)
                assert (getattr(chosen, lever) - low) % step == 0, (path.name, name, lever)
            for site, beds in chosen.beds.items():
                low, high, step = _capacity_range(base.beds[site], 2.0)
                assert (beds - low) % step == 0, (path.name, name, site)
            if chosen.money is not None:
                assert chosen.money.social_care_budget == int(chosen.money.social_care_budget), name
