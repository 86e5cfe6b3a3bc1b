"""Finance that does not decide the answer: the accounting makes no gap of its own, the ICB's books
balance to the penny, and the ICB cuts its running costs as instructed.

Everything runs on the town (``tests/configs/town.yaml``: 37,830 people, one trust, two GP
practice groups, the community provider and the council). Expected figures are worked by hand
from the configs' inputs and the rules of docs/organisations.md, not read from the code."""

from __future__ import annotations

import pytest
from footprints import TOWN

from agents import health_system
from agents.reporting import decision_table
from sim.config import ConfigError, load_config

PEOPLE = 4600 + 13200 + 3600 + 550 + 3400 + 10200 + 2000 + 280  # the town's age bands: 37,830
DAYS = 365.25  # annual sums are paid by the day
MONTH_DAYS = [30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28, 31]  # April 2024 to March 2025
BUDGET_RULE_ACTIONS = {"freeze vacancies", "close beds", "cut posts", "cost improvement programme",
                       "cut running costs", "stop recruiting GPs", "tighten eligibility"}


def run(overrides: dict | None = None, months: int = 24, seed: int = 42):
    hs = health_system(load_config(TOWN, overrides), seed=seed, months=months)
    hs.run()
    return hs


# --- the arithmetic makes no gap -----------------------------------------------------------------

G, E = 0.03, 0.012  # cost growth = allocation growth (cash); efficiency asked = efficiency achieved
PRICES_MOVE = {"organisations": {"icb": {"allocation_growth": G, "cost_growth": G, "efficiency_asked": E},
                                 "local_authority": {"budget_growth": G}}}
PRICES_STILL = {"organisations": {"icb": {"allocation_growth": 0.0, "cost_growth": 0.0, "efficiency_asked": 0.0},
                                  "local_authority": {"budget_growth": 0.0}}}

# Hand-worked price effect on a provider whose volumes do not change. Its contract is its planned
# cost in year 1 and that times (1 + G - E) in year 2. Its costs carry the price index (1 in year 1,
# 1 + G in year 2) times (1 - share saved), the share saved growing by E/12 a month from month 1:
# E x 5.5/12 on average over months 0-11 and E x 17.5/12 over months 12-23. As a share of income:
YEAR1_SHARE = 1 - (1 - E * 5.5 / 12)  # 0.55%
YEAR2_SHARE = 1 - (1 + G) * (1 - E * 17.5 / 12) / (1 + G - E)  # 1 - 1.03 x 0.9825 / 1.018 = 0.592%
PRICE_EFFECT = YEAR2_SHARE - YEAR1_SHARE  # +0.04 points: savings banked as they are made, nothing lost


@pytest.fixture(scope="module")
def two_years():
    return run(PRICES_MOVE), run(PRICES_STILL)


def shares(org) -> tuple[float, float]:
    """(year-1, year-2) surplus as a share of income."""
    y1, y2 = range(12), range(12, 24)
    return (org.ledger.total(y1) / org.ledger.total(y1, "income"),
            org.ledger.total(y2) / org.ledger.total(y2, "income"))


def test_the_hand_worked_price_effect_is_small_and_not_a_deficit():
    assert YEAR1_SHARE == pytest.approx(0.0055)
    assert YEAR2_SHARE == pytest.approx(0.0059185, abs=1e-7)
    assert 0 < PRICE_EFFECT < 0.0005


def test_no_organisation_is_pushed_into_deficit_by_the_arithmetic(two_years):
    """With allocation growth equal to cost growth and efficiency asked equal to efficiency
    achieved, what year 2 does to each organisation's books is what activity and staffing do to
    them, plus the small price effect worked above.

    Asserted, for every provider (the trust, both GP practice groups, the community provider) and
    the council: the change in its surplus, as a share of income, from year 1 to year 2 differs
    from the change in the same run with prices held still (no growth, no efficiency; the same
    patients) by the hand-worked price effect (scaled by the share of its income it spends, for
    an organisation that does not break even, such as a mental health trust buying out-of-area
    beds its contract did not plan for), within 0.02 points of income for the providers
    whose costs do not depend on activity and 0.05 points for the trust (its bed days and staffing
    differ slightly between the two runs) and the mental health trust (the out-of-area bed-days it
    buys differ between the years, so its spending over income, which the price effect scales,
    does). No budget rule is applied in either run, so the comparison is of the accounting alone."""
    moving, still = two_years
    for hs in (moving, still):
        assert not decision_table(hs).action.isin(BUDGET_RULE_ACTIONS).any()
    orgs_still = {o.name: o for o in still.organisations.order}
    for org in [*moving.organisations.providers, moving.organisations.council]:
        (m1, m2), (s1, s2) = shares(org), shares(orgs_still[org.name])
        arithmetic = (m2 - m1) - (s2 - s1)
        # the hand-worked shares are of an organisation that breaks even; one that spends r of its
        # income (r = 1 - its surplus share, prices held still) saves r times them
        expected = 0.0 if org.kind == "local_authority" else (1 - s2) * YEAR2_SHARE - (1 - s1) * YEAR1_SHARE
        tolerance = 0.0005 if org.kind in ("acute_trust", "mental_health_trust") else 0.0002
        assert arithmetic == pytest.approx(expected, abs=tolerance), (org.name, m1, m2, s1, s2)
        assert m2 - m1 >= (s2 - s1) - tolerance  # prices moving never worsen the books


def test_the_icb_keeps_only_the_efficiency_it_does_not_pass_on(two_years):
    """The ICB's year-2 surplus is its year-1 surplus grown by G (allocation, Better Care Fund,
    running cost allowance and its own running costs all grow by G) plus E of the year-1 contract
    payments, which it does not pass on: allocation it has not spent. Both years have 365 days."""
    moving, _ = two_years
    icb = moving.organisations.icb
    y1, y2 = range(12), range(12, 24)
    contracts_y1 = sum(p.ledger.total(y1, "income") for p in moving.organisations.providers)
    assert sum(MONTH_DAYS) == 365
    expected = (1 + G) * icb.ledger.total(y1) + E * contracts_y1
    assert icb.ledger.total(y2) == pytest.approx(expected, abs=1.0)  # within a pound a year
    assert icb.ledger.total(y2) > icb.ledger.total(y1)


# --- the ICB's ledger ----------------------------------------------------------------------------

def test_the_icbs_ledger_balances_to_the_penny():
    """Month by month: income is the allocation (834 a head a year) and the running cost allowance
    (37.5 a head); spending is what the providers received as contracts, the Better Care Fund (80 a
    head) and its running costs (the allowance: 75% staff, 25% other); the surplus is the
    difference."""
    hs = run(months=3)
    icb = hs.organisations.icb
    for month, days in enumerate(MONTH_DAYS[:3]):
        year = days / DAYS
        allocation = 834 * PEOPLE * year
        allowance = 37.5 * PEOPLE * year
        contracts = sum(p.ledger.amount(month, "contract") for p in hs.organisations.providers)
        bcf = 80 * PEOPLE * year
        staff, other = 0.75 * allowance, 0.25 * allowance
        assert icb.ledger.amount(month, "allocation") == pytest.approx(allocation, abs=0.005)
        assert icb.ledger.amount(month, "running_cost_allowance") == pytest.approx(allowance, abs=0.005)
        assert icb.ledger.income(month) == pytest.approx(allocation + allowance, abs=0.005)
        assert icb.ledger.amount(month, "payments") == pytest.approx(contracts + bcf, abs=0.005)
        assert hs.organisations.council.ledger.amount(month, "better_care_fund") == pytest.approx(bcf, abs=0.005)
        assert icb.ledger.amount(month, "pay") == pytest.approx(staff, abs=0.005)
        assert icb.ledger.amount(month, "non_pay") == pytest.approx(other, abs=0.005)
        assert icb.ledger.spending(month) == pytest.approx(contracts + bcf + staff + other, abs=0.005)
        assert icb.ledger.surplus(month) == pytest.approx(allocation + allowance - contracts - bcf - staff - other,
                                                          abs=0.005)
    assert contracts > 0


# --- the running cost cut ------------------------------------------------------------------------

ALLOWANCE = 37.5 * PEOPLE  # 1,418,625 a year
STAFF = 0.75 * ALLOWANCE  # 1,063,968.75 a year: 19.34 FTE at 55,000
# A 50% cut from June (month 2), posts going after three months' notice (September, month 5):
# 9.672 FTE (half of 19.345) at 30,000 each
REDUNDANCY = 0.5 * STAFF / 55_000 * 30_000  # 290,173.30
CUT = {"running_cost_cut": 0.5, "running_cost_cut_month": 2, "notice_months": 3}


def run_cut(funded: bool):
    icb = {**CUT, "running_cost_redundancy_funded": funded}
    return run({"organisations": {"icb": icb}}, months=7)


@pytest.mark.parametrize("funded", [False, True])
def test_a_running_cost_cut_halves_running_costs_with_redundancy_a_one_off(funded):
    hs = run_cut(funded)
    icb = hs.organisations.icb
    assert REDUNDANCY == pytest.approx(290_173.30, abs=0.01)
    for month, days in enumerate(MONTH_DAYS[:7]):
        year = days / DAYS
        other = (0.25 if month < 2 else 0.125) * ALLOWANCE * year  # other running costs go at once
        staff = (STAFF if month < 5 else 0.5 * STAFF) * year  # posts go after the notice
        allowance = (1.0 if month < 2 else 0.5) * ALLOWANCE * year
        assert icb.ledger.amount(month, "running_cost_allowance") == pytest.approx(allowance, abs=0.005)
        assert icb.ledger.amount(month, "non_pay") == pytest.approx(other, abs=0.005)
        assert icb.ledger.amount(month, "pay") == pytest.approx(staff, abs=0.005)
        one_off = REDUNDANCY if month == 5 else 0.0
        assert icb.ledger.amount(month, "one_off") == pytest.approx(one_off, abs=0.005)
        assert icb.ledger.amount(month, "central_funding") == pytest.approx(one_off if funded else 0.0, abs=0.005)
        paid_centrally = hs.organisations.regulator.ledger.amount(month, "payments")
        assert paid_centrally == pytest.approx(one_off if funded else 0.0, abs=0.005)
    # after the cut, running costs a day are half what they were (the configured share)
    before = (icb.ledger.amount(0, "pay") + icb.ledger.amount(0, "non_pay")) / MONTH_DAYS[0]
    after = (icb.ledger.amount(6, "pay") + icb.ledger.amount(6, "non_pay")) / MONTH_DAYS[6]
    assert after / before == pytest.approx(0.5, abs=1e-12)
    # the running costs balance the allowance again once the posts have gone (month 6, no one-off)
    running = sum(icb.ledger.amount(6, c) for c in ("pay", "non_pay", "one_off"))
    assert running == pytest.approx(icb.ledger.amount(6, "running_cost_allowance"), abs=0.005)
    # the decision log records the instruction, the cut with its figures, and the redundancies
    log = decision_table(hs)
    mine = log[log.organisation == "icb"]
    instruction = mine[mine.action == "running cost allowance cut"]
    cut = mine[mine.action == "cut running costs"]
    gone = mine[mine.action == "redundancies take effect"]
    assert list(instruction.month_index) == [2] and "allowance=709,312" in instruction.iloc[0].figures
    assert list(cut.month_index) == [2]
    assert "share=0.5" in cut.iloc[0].figures and "fte=9.67" in cut.iloc[0].figures
    assert "effective_month_index=5" in cut.iloc[0].figures and "redundancy_cost=290,173" in cut.iloc[0].figures
    assert list(gone.month_index) == [5]
    assert "one_off_cost=290,173" in gone.iloc[0].figures and f"centrally_funded={funded}" in gone.iloc[0].figures


def test_unfunded_redundancy_is_borne_by_the_icb():
    """The ICB's books differ, between unfunded and funded redundancy, by the redundancy bill in
    the month the posts go, and by nothing else."""
    unfunded, funded = run_cut(False), run_cut(True)
    for month in range(7):
        gap = funded.organisations.icb.ledger.surplus(month) - unfunded.organisations.icb.ledger.surplus(month)
        assert gap == pytest.approx(REDUNDANCY if month == 5 else 0.0, abs=0.005)


def test_an_icb_without_budget_rules_overspends_its_allowance():
    hs = run({"organisations": {"icb": {**CUT, "budget_rules": []}}}, months=4)
    icb = hs.organisations.icb
    year = MONTH_DAYS[3] / DAYS
    assert icb.ledger.amount(3, "pay") + icb.ledger.amount(3, "non_pay") == pytest.approx(ALLOWANCE * year, abs=0.005)
    assert icb.ledger.amount(3, "running_cost_allowance") == pytest.approx(0.5 * ALLOWANCE * year, abs=0.005)
    assert not (decision_table(hs).action == "cut running costs").any()


def test_no_cut_no_change():
    """By default (no cut) the ICB's running costs are its allowance, month after month."""
    hs = run(months=2)
    icb = hs.organisations.icb
    for month in range(2):
        running = icb.ledger.amount(month, "pay") + icb.ledger.amount(month, "non_pay")
        assert running == pytest.approx(icb.ledger.amount(month, "running_cost_allowance"), abs=0.005)
        assert icb.ledger.amount(month, "one_off") == 0


@pytest.mark.parametrize("icb, field", [
    ({"running_cost_cut": 1.5}, "organisations.icb.running_cost_cut"),
    ({"running_cost_cut_month": -1}, "organisations.icb.running_cost_cut_month"),
    ({"budget_rules": ["sack_everyone"]}, "organisations.icb.budget_rules"),
    ({"running_cost_redundancy_funded": "perhaps"}, "organisations.icb.running_cost_redundancy_funded"),
    ({"running_cost_allowance_per_head": -19}, "organisations.icb.running_cost_allowance_per_head"),
    ({"running_cost_staff_share": 2}, "organisations.icb.running_cost_staff_share"),
])
def test_bad_icb_settings_are_refused_naming_the_field(icb, field):
    with pytest.raises(ConfigError) as info:
        load_config(TOWN, {"organisations": {"icb": icb}})
    assert field in str(info.value)
