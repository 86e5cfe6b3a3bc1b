"""The explorer's levers and the config fields they set.

A lever is a value the user turns on the page (a share of admissions diverted, an A&E open or
closed, the council's budget). Each lever names exactly one field of the config (``FIELDS``), so
the levers of a scenario are read from a validated ``Config`` (``levers_of``) and written back as
a YAML-style patch (``patch``). A scenario is the footprint's config with that patch merged in and
validated by the project's own rules (``sim.config.deep_merge`` and ``validate``): a combination
the model cannot run (every type 1 A&E closed, fewer beds than the ring-fenced elective beds, a
share above 1) is refused with a ``ConfigError`` naming the field, before any model is built.

The money levers exist only for footprints with ``organisations`` (``Levers.money`` is ``None``
otherwise, e.g. ``configs/nw_london.yaml`` has ``organisations: null``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sim.config import Config, deep_merge, validate

SITE = "SITE"  # stands for a site's name in the paths of per-site levers

# lever -> the config field it sets (per-site levers: one field per site)
FIELDS: dict[str, str] = {
    "admission_diversion_share": "community.admission_diversion_share",
    "virtual_ward_beds": "community.virtual_ward_beds",
    "intermediate_care_beds": "community.intermediate_care_beds",
    "reablement_caseload": "community.reablement_caseload",
    "eligibility_threshold": "social_care.eligibility_threshold",
    "ae_open": f"sites.{SITE}.emergency_department.open",
    "beds": f"sites.{SITE}.beds",
    "allocation_per_head": "organisations.icb.allocation_per_head",
    "allocation_growth": "organisations.icb.allocation_growth",
    "cost_growth": "organisations.icb.cost_growth",
    "efficiency_asked": "organisations.icb.efficiency_asked",
    "first_year_savings": "organisations.icb.first_year_savings",
    "redundancy_centrally_funded": "organisations.acute_trust.redundancy_centrally_funded",
    "social_care_budget": "organisations.local_authority.social_care_budget",
    "council_budget_growth": "organisations.local_authority.budget_growth",
}

LABELS: dict[str, str] = {  # short, for the controls, which add the value
    "admission_diversion_share": "Admissions diverted to virtual wards",
    "virtual_ward_beds": "Virtual ward beds",
    "intermediate_care_beds": "Intermediate care beds",
    "reablement_caseload": "Reablement places",
    "eligibility_threshold": "Social care eligibility threshold",
    "ae_open": "A&E open",
    "beds": "beds",
    "allocation_per_head": "ICB allocation per person",
    "allocation_growth": "Allocation growth a year",
    "cost_growth": "NHS cost growth a year",
    "efficiency_asked": "Savings asked a year",
    "first_year_savings": "First-year contracts below cost",
    "redundancy_centrally_funded": "Redundancy paid centrally",
    "social_care_budget": "Council social care budget",
    "council_budget_growth": "Council budget growth a year",
}


@dataclass(frozen=True)
class Money:
    """The money levers: the ICB's allocation and savings target, who pays for redundancy, and
    the council's social care budget."""

    allocation_per_head: float
    allocation_growth: float
    cost_growth: float
    efficiency_asked: float
    first_year_savings: float
    redundancy_centrally_funded: bool
    social_care_budget: float
    council_budget_growth: float


@dataclass(frozen=True)
class Levers:
    """Everything the user can change about a scenario."""

    admission_diversion_share: float
    virtual_ward_beds: int
    intermediate_care_beds: int
    reablement_caseload: int
    eligibility_threshold: float
    ae_open: dict[str, bool]  # by site with a type 1 A&E
    beds: dict[str, int]  # by site with beds
    money: Money | None  # None: the footprint has no organisations


def _get(cfg: Config, path: str):
    node = cfg
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def _set(tree: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def levers_of(cfg: Config) -> Levers:
    """The levers as the config sets them."""
    scalars = {f.name: _get(cfg, FIELDS[f.name]) for f in fields(Levers) if f.name in FIELDS
               and f.name not in ("ae_open", "beds")}
    money = None
    if cfg.organisations is not None:
        money = Money(**{f.name: _get(cfg, FIELDS[f.name]) for f in fields(Money)})
    return Levers(
        **scalars,
        ae_open={name: site.emergency_department.open for name, site in cfg.sites.items()
                 if site.emergency_department},
        beds={name: site.beds for name, site in cfg.sites.items() if site.beds > 0},
        money=money,
    )


def patch(levers: Levers) -> dict:
    """The config patch (as in a scenario file's overrides) that sets every lever."""
    out: dict = {}
    for f in fields(Levers):
        value = getattr(levers, f.name)
        if f.name in ("ae_open", "beds"):
            for site, v in value.items():
                _set(out, FIELDS[f.name].replace(SITE, site), v)
        elif f.name == "money":
            for m in fields(Money) if value is not None else ():
                _set(out, FIELDS[m.name], getattr(value, m.name))
        else:
            _set(out, FIELDS[f.name], value)
    return out


def scenario_config(raw: dict, levers: Levers) -> Config:
    """The footprint's config (plain data, ``extends`` applied) with the levers set, validated.
    Raises ``sim.config.ConfigError`` naming each field the levers make invalid."""
    return validate(deep_merge(raw, patch(levers)), source="levers")


def changed(levers: Levers, base: Levers) -> list[str]:
    """The config fields whose value the levers change from ``base``, for the page to list."""
    now, before = _flat(patch(levers)), _flat(patch(base))
    return [path for path, value in now.items() if before.get(path) != value]


def _flat(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, path + "."))
        else:
            out[path] = value
    return out
