"""What the data collector records about each organisation every month, and the tables made
from it: ledgers, the decision log and organisation KPIs."""

from __future__ import annotations

import math

import mesa
import pandas as pd


def _maybe(attr: str):
    def get(agent):
        value = getattr(agent, attr, None)
        if callable(value):
            value = value()
        return math.nan if value is None else value
    return get


def collector() -> mesa.DataCollector:
    month = lambda a: a.model.month  # noqa: E731 - the month being accounted
    return mesa.DataCollector(
        model_reporters={"month": lambda m: m.calendar.month_labels[m.month]},
        agent_reporters={
            "organisation": "name",
            "kind": "kind",
            "income": lambda a: a.ledger.income(month(a)),
            "spending": lambda a: a.ledger.spending(month(a)),
            "surplus": lambda a: a.ledger.surplus(month(a)),
            "forecast_year_end": lambda a: a.ledger.forecast_year_end(a.months_this_year() + [month(a)]),
            "staff_in_post": _maybe("staff_in_post"),
            "agency_fte": _maybe("agency_fte"),
            "beds_open": lambda a: a.beds_open() if hasattr(a, "beds_open") else math.nan,
            "los_multiplier": _maybe("los_multiplier"),
            "harm_events": _maybe("harm_events"),
            "gp_fte": _maybe("gp_fte"),
            "eligibility_threshold": lambda a: (a.model.social_care.eligibility_threshold
                                                if a.kind == "local_authority" else math.nan),
        },
    )


def organisation_table(hs) -> pd.DataFrame:
    """One row per organisation per month."""
    if hs.organisations is None:
        return pd.DataFrame()
    collected = hs.organisations.datacollector
    df = collected.get_agent_vars_dataframe().reset_index()
    labels = collected.get_model_vars_dataframe()["month"].tolist()
    df["month"] = [labels[s - 1] if 0 < s <= len(labels) else "" for s in df["Step"]]
    return df.drop(columns=["AgentID"]).rename(columns={"Step": "step"})


def ledger_table(hs) -> pd.DataFrame:
    if hs.organisations is None:
        return pd.DataFrame(columns=["organisation", "month", "category", "amount"])
    frames = [o.ledger.frame() for o in hs.organisations.order]
    df = pd.concat(frames, ignore_index=True)
    df["month"] = [hs.calendar.month_labels[m] for m in df["month"]]
    return df


def decision_table(hs) -> pd.DataFrame:
    decisions = hs.organisations.decisions if hs.organisations is not None else []
    return pd.DataFrame(decisions, columns=["month", "month_index", "organisation", "kind", "action", "reason",
                                               "figures"])


def finance_kpis(hs) -> dict[str, float]:
    """Money and staff over the reported months, a year's worth (pounds a year per head where
    named so), for experiments: what the system costs and who is in deficit."""
    if hs.organisations is None:
        return {}
    months = range(hs.month)
    years = max(len(months), 1) / 12
    people = float(hs.cfg.population)

    def spent(orgs):
        return sum(o.ledger.total(months, "spending") for o in orgs) / years

    def surplus(orgs):
        return sum(o.ledger.total(months) for o in orgs) / years

    orgs = hs.organisations
    providers = [*orgs.providers, orgs.council]
    return {
        "cost_per_head": spent(providers) / people,
        "acute_spending": spent(orgs.trusts),
        "community_spending": spent([orgs.community_provider]),
        "primary_care_spending": spent(orgs.practices),
        "social_care_spending": spent([orgs.council]),
        "icb_surplus": surplus([orgs.icb]),
        "icb_running_costs": sum(orgs.icb.ledger.amount(m, c) for m in months for c in ("pay", "non_pay", "one_off"))
        / years,
        "trusts_surplus": surplus(orgs.trusts),
        "council_surplus": surplus([orgs.council]),
        "system_surplus": surplus([*orgs.nhs_organisations, orgs.council]),
        "trust_staff_in_post": sum(t.staff_in_post() for t in orgs.trusts),
        "beds_open": sum(t.beds_open() + t.elective_capacity() for t in orgs.trusts),
        "harm_events": sum(t.harm_events for t in orgs.trusts) / years,
        "redundancy_costs": sum(t.ledger.amount(m, "one_off") for t in orgs.trusts for m in months) / years,
        **mental_health_finance(orgs, months, years),
    }


def mental_health_finance(orgs, months, years: float) -> dict[str, float]:
    """The mental health trust's spending, out-of-area spending and surplus, pounds a year (NaN without one)."""
    trust = orgs.mental_health_trust
    if trust is None:
        return {k: math.nan for k in MENTAL_HEALTH_FINANCE_KPIS}
    return {
        "mental_health_spending": trust.ledger.total(months, "spending") / years,
        "mh_out_of_area_spending": sum(trust.out_of_area_spending.get(m, 0.0) for m in months) / years,
        "mental_health_trust_surplus": trust.ledger.total(months) / years,
    }


MENTAL_HEALTH_FINANCE_KPIS = ("mental_health_spending", "mh_out_of_area_spending", "mental_health_trust_surplus")


def finance_summary(hs) -> pd.DataFrame:
    """Income, spending and surplus of each organisation over the run."""
    if hs.organisations is None:
        return pd.DataFrame()
    months = range(hs.month)
    rows = [(o.name, o.kind, o.ledger.total(months, "income"), o.ledger.total(months, "spending"),
             o.ledger.total(months)) for o in hs.organisations.order]
    return pd.DataFrame(rows, columns=["organisation", "kind", "income", "spending", "surplus"])
