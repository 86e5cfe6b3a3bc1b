"""``sim.config``: loading, ``extends:`` chains, and validation errors that name the bad field.

Field paths in ``ConfigError.problems`` are written like ``sites.city_royal.beds: ...``: mapping
keys joined by dots (integer keys such as triage categories too: ``ae.assessment_minutes.3.mean``),
list indexes in brackets, ``demand.emergency_profile.hour_of_day[7]``; a problem of the whole config is
``(top level): ...``. Expected paths are built here from the data, not by ``sim``.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.config import (
    AGE_BANDS,
    PATHWAYS,
    Config,
    ConfigError,
    deep_merge,
    load_config,
    load_raw,
    validate,
)
from sim.config.loading import _field_path

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
BASELINE = CONFIGS / "baseline.yaml"
DIST_TAGS = {"exponential", "lognormal", "gamma", "fixed", "uniform", "empirical"}


# --- helpers --------------------------------------------------------------------------------------


@cache
def _baseline_raw() -> dict:
    return load_raw(BASELINE)


def baseline() -> dict:
    """A fresh copy of the baseline's merged raw data."""
    return copy.deepcopy(_baseline_raw())


def dotted(path: tuple, data=None) -> str:
    """The expected printed path: list indexes in brackets, mapping keys after dots."""
    node = _baseline_raw() if data is None else data
    out = ""
    for part in path:
        if isinstance(node, list):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out or "(top level)"


def walk(node, path=()):
    """(path, value) of every node, depth first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def numeric_leaves(data) -> list[tuple]:
    return [p for p, v in walk(data) if isinstance(v, (int, float)) and not isinstance(v, bool)]


def mapping_nodes(data) -> list[tuple]:
    return [p for p, v in walk(data) if isinstance(v, dict)]


def get(data, path):
    for part in path:
        data = data[part]
    return data


def put(data, path, value):
    get(data, path[:-1])[path[-1]] = value


def problems_of(data) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate(data, "test")
    problems = info.value.problems
    assert problems and all(isinstance(p, str) and "\n" not in p for p in problems)
    return problems


def paths_of(problems) -> list[str]:
    return [p.split(": ", 1)[0] for p in problems]


# The domain rule: counts, rates, durations, multipliers and shares are never negative. The only
# numbers that may be are coordinates and demand growth, each with its own lower bound.
LOWER_BOUND = {"lat": -90.0, "lon": -180.0, "growth_per_year": -0.5, "allocation_growth": -0.5, "cost_growth": -0.5,
               "budget_growth": -0.5}
MAPPING_KEYS = set(AGE_BANDS) | set(PATHWAYS)


def field_name(path: tuple) -> str:
    """The schema field a leaf belongs to: its path without trailing keys of keyed mappings."""
    for part in reversed(path):
        if isinstance(part, str) and part not in MAPPING_KEYS:
            return part
    raise AssertionError(path)


def lower_bound(path: tuple) -> float:
    return LOWER_BOUND.get(field_name(path), 0.0)


# Settings that are probabilities or shares of a whole (so at most 1), from the schema's meaning.
PROBABILITY_FIELDS = {
    "frail_share", "urgent_share", "urgent_to_ae_share", "consultation_to_ae_share",
    "consultation_to_direct_admission_share", "consultation_to_community_share",
    "consultation_to_elective_referral_share", "category_shares", "hear_and_treat_share", "see_and_treat_share",
    "urgent_community_response_share", "acuity_shares_self_presenting", "acuity_shares_ambulance",
    "ucc_transfer_share", "admit_probability", "community_referral_share", "zero_day_share",
    "pathway_shares_not_frail", "pathway_shares_frail", "p1_reablement_share", "readmission_probability",
    "admission_diversion_share", "suitable_share_by_acuity", "selection_sensitivity", "selection_specificity",
    "deterioration_probability_unsuitable",
    "self_funder_share", "eligibility_threshold", "initial_occupancy",
    # outcomes: risks, shares and probabilities
    "risk_admitted", "risk_not_admitted", "in_hospital_share", "share_of_admitted", "risk", "treated_share",
    "delayed_night_harm", "delayed_night_infection", "infection_death", "inpatient_infection_risk",
}


def is_probability(path: tuple) -> bool:
    return field_name(path) in PROBABILITY_FIELDS


LEAVES = numeric_leaves(_baseline_raw())
PROBABILITY_LEAVES = [p for p in LEAVES if is_probability(p)]
MAPPINGS = mapping_nodes(_baseline_raw())


# --- loading --------------------------------------------------------------------------------------


def test_baseline_loads():
    cfg = load_config(BASELINE)
    assert isinstance(cfg, Config)
    own = yaml.safe_load(BASELINE.read_text())
    assert cfg.name == own["name"]
    assert cfg.population == sum(sum(loc["population"].values()) for loc in own["localities"].values())
    for name, site in own["sites"].items():
        assert cfg.sites[name].beds == site.get("beds", 0)
    assert len(cfg.digest()) == 16 and cfg.digest() == load_config(BASELINE).digest()


def test_baseline_extends_england():
    """The merged baseline holds every england.yaml value it does not override, and its own values."""
    own = yaml.safe_load(BASELINE.read_text())
    assert own["extends"] == "england.yaml"
    national = yaml.safe_load((CONFIGS / "england.yaml").read_text())
    merged = _baseline_raw()
    assert "extends" not in merged

    def overridden(path):
        node = own
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    checked = 0
    for path in numeric_leaves(national):
        if not overridden(path):
            assert get(merged, path) == get(national, path), dotted(path)
            checked += 1
    assert checked > 50
    for path in numeric_leaves(own):
        assert get(merged, path) == get(own, path), dotted(path)


def test_overrides_argument_patches_after_loading():
    site = next(n for n, s in _baseline_raw()["sites"].items() if s.get("beds"))
    beds = _baseline_raw()["sites"][site]["beds"] + 7
    cfg = load_config(BASELINE, overrides={"sites": {site: {"beds": beds}}, "run": {"seed": 99}})
    assert cfg.sites[site].beds == beds and cfg.run.seed == 99
    with pytest.raises(ConfigError) as info:
        load_config(BASELINE, overrides={"sites": {site: {"beds": -7}}})
    assert paths_of(info.value.problems) == [f"sites.{site}.beds"]
    assert info.value.source == str(BASELINE)


def test_field_path_format():
    data = baseline()
    assert _field_path(("sites", "city_royal", "beds"), data) == "sites.city_royal.beds"
    assert _field_path(("ae", "assessment_minutes", 3, "lognormal", "mean"), data) == "ae.assessment_minutes.3.mean"
    assert _field_path(("demand", "emergency_profile", "hour_of_day", 7), data) == "demand.emergency_profile.hour_of_day[7]"
    assert _field_path(("name",), data) == "name"
    assert _field_path((), data) == "(top level)"
    # a site that happens to be called like a distribution keeps its name
    data["sites"]["uniform"] = {"lat": 52.9, "lon": -1.1}
    assert _field_path(("sites", "uniform", "beds"), data) == "sites.uniform.beds"


def test_problem_format_for_a_distribution_inside_a_keyed_mapping():
    data = baseline()
    put(data, ("ae", "assessment_minutes", 3, "mean"), -5)
    assert problems_of(data) == ["ae.assessment_minutes.3.mean: Input should be greater than 0"]


# --- one bad number names its field ---------------------------------------------------------------


def _expect_one_problem_at(data, path):
    problems = problems_of(data)
    assert paths_of(problems) == [dotted(path)], problems


def test_every_numeric_leaf_below_its_bound_is_named():
    """Exhaustive: each numeric leaf of the baseline in turn set below its lower bound."""
    assert len(LEAVES) > 200
    wrong = []
    for path in LEAVES:
        data = baseline()
        put(data, path, lower_bound(path) - 1)
        try:
            validate(data)
            wrong.append(f"{dotted(path)}: accepted {lower_bound(path) - 1}")
        except ConfigError as exc:
            if paths_of(exc.problems) != [dotted(path)]:
                wrong.append(f"{dotted(path)}: {exc.problems}")
    assert not wrong, "\n".join(wrong)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(LEAVES),
    below=st.one_of(st.integers(1, 10**9), st.floats(1e-6, 1e9, allow_nan=False, allow_infinity=False)),
)
def test_negative_value_is_rejected_naming_its_field(path, below):
    data = baseline()
    put(data, path, lower_bound(path) - below)
    _expect_one_problem_at(data, path)


@settings(max_examples=150, deadline=None)
@given(path=st.sampled_from(PROBABILITY_LEAVES), above=st.floats(1e-6, 1e6, allow_nan=False))
def test_probability_above_one_is_rejected_naming_its_field(path, above):
    data = baseline()
    put(data, path, 1.0 + above)
    _expect_one_problem_at(data, path)


def test_probability_leaves_found():
    assert {field_name(p) for p in PROBABILITY_LEAVES} == PROBABILITY_FIELDS
    assert len(PROBABILITY_LEAVES) > 60


@settings(max_examples=100, deadline=None)
@given(picked=st.lists(st.sampled_from(LEAVES), min_size=2, max_size=6, unique=True))
def test_several_problems_are_all_reported(picked):
    data = baseline()
    for path in picked:
        put(data, path, lower_bound(path) - 3)
    problems = problems_of(data)
    assert sorted(paths_of(problems)) == sorted(dotted(p) for p in picked), problems


def test_several_problems_one_line_each_in_sections():
    data = baseline()
    site = next(iter(data["sites"]))
    put(data, ("sites", site, "lat"), 91)
    put(data, ("run", "seed"), -1)
    put(data, ("ae", "ucc_transfer_share"), 1.5)
    data["ambulance"]["category_shares"][1] += 0.2  # a model-level problem next to field ones
    problems = problems_of(data)
    assert sorted(paths_of(problems)) == sorted(["run.seed", f"sites.{site}.lat", "ae.ucc_transfer_share", "ambulance"])


# --- unknown keys ---------------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(lambda k: k not in DIST_TAGS)


@settings(max_examples=200, deadline=None)
@given(node=st.sampled_from(MAPPINGS), key=keys)
def test_unknown_key_anywhere_is_rejected_naming_it(node, key):
    data = baseline()
    target = get(data, node)
    if key in target or (node == () and key == "extends"):
        return
    target[key] = 1
    problems = problems_of(data)
    where = dotted(node + (key,))
    assert any(p == where or p.startswith(where + ".") for p in paths_of(problems)), problems


def test_unknown_key_in_every_mapping():
    wrong = []
    for node in MAPPINGS:
        data = baseline()
        get(data, node)["zz_not_a_setting"] = 1
        where = dotted(node + ("zz_not_a_setting",))
        try:
            validate(data)
            wrong.append(f"{where}: accepted")
        except ConfigError as exc:
            if not any(p == where or p.startswith(where + ".") for p in paths_of(exc.problems)):
                wrong.append(f"{where}: {exc.problems}")
    assert not wrong, "\n".join(wrong)


def test_misspelt_setting_is_named():
    data = baseline()
    data["ambulance"]["vehicels"] = data["ambulance"].pop("vehicles")
    assert sorted(problems_of(data)) == ["ambulance.vehicels: Extra inputs are not permitted",
                                         "ambulance.vehicles: Field required"]


@pytest.mark.parametrize("name", ["uniform", "gamma"])
def test_site_named_like_a_distribution_is_named(name):
    data = baseline()
    site = next(n for n, s in data["sites"].items() if s.get("beds"))
    data["sites"][name] = data["sites"].pop(site)
    put(data, ("sites", name, "beds"), -1)
    assert paths_of(problems_of(data)) == [f"sites.{name}.beds"]


# --- shares and completeness ----------------------------------------------------------------------

SHARE_MAPPINGS = [p for p in MAPPINGS if p and "shares" in str(p[-1])]


def test_share_mappings_found():
    assert {p[-1] for p in SHARE_MAPPINGS} >= {
        "category_shares", "acuity_shares_self_presenting", "acuity_shares_ambulance",
        "pathway_shares_not_frail", "pathway_shares_frail",
    }


@settings(max_examples=100, deadline=None)
@given(node=st.sampled_from(SHARE_MAPPINGS), data_=st.data())
def test_shares_not_summing_to_one_are_rejected(node, data_):
    data = baseline()
    shares = get(data, node)
    key = data_.draw(st.sampled_from(sorted(shares, key=str)))
    total_others = sum(v for k, v in shares.items() if k != key)
    new = data_.draw(st.floats(0, 1).filter(lambda x: abs(total_others + x - 1) > 1e-4))
    shares[key] = new
    problems = problems_of(data)
    assert len(problems) == 1
    path, message = problems[0].split(": ", 1)
    assert path == dotted(node[:-1])
    assert node[-1] in message and "sum to 1" in message


@settings(max_examples=50, deadline=None)
@given(node=st.sampled_from(SHARE_MAPPINGS), weights=st.lists(st.floats(0.01, 10), min_size=5, max_size=5))
def test_any_shares_summing_to_one_are_accepted(node, weights):
    data = baseline()
    shares = get(data, node)
    total = sum(weights[: len(shares)])
    for k, w in zip(list(shares), weights):
        shares[k] = w / total
    validate(data)


BAND_MAPPINGS = [p for p in MAPPINGS if p and set(get(_baseline_raw(), p)) == set(AGE_BANDS)]


@settings(max_examples=100, deadline=None)
@given(node=st.sampled_from(BAND_MAPPINGS), band=st.sampled_from(AGE_BANDS))
def test_missing_age_band_is_rejected(node, band):
    data = baseline()
    del get(data, node)[band]
    problems = problems_of(data)
    assert len(problems) == 1
    path, message = problems[0].split(": ", 1)
    assert path == dotted(node[:-1])
    assert node[-1] in message and repr(band) in message.split("missing", 1)[1]


def test_band_mappings_found():
    assert len(BAND_MAPPINGS) >= 4 + 2 * len(_baseline_raw()["localities"])


@pytest.mark.parametrize(
    "node,key",
    [(("ae", "assessment_minutes"), 4), (("discharge", "readmission_probability"), "P2"),
     (("ae", "admit_probability"), 1), (("discharge", "arrangement_days"), "P3")],
)
def test_missing_category_is_rejected(node, key):
    data = baseline()
    del get(data, node)[key]
    problems = problems_of(data)
    assert len(problems) == 1 and problems[0].startswith(dotted(node[:-1]) + ": ")
    assert node[-1] in problems[0] and repr(key) in problems[0].split("missing", 1)[1]


# --- defaults --------------------------------------------------------------------------------------


def _dist_dicts(value, path=()):
    """Paths of raw distribution mappings left inside a validated config (they should be objects)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dist_dicts(getattr(value, name), path + (name,))
    elif isinstance(value, dict):
        if "dist" in value:
            yield dotted(path)
        for k, v in value.items():
            yield from _dist_dicts(v, path + (k,))


def test_no_raw_distribution_survives_validation():
    assert list(_dist_dicts(load_config(BASELINE))) == []


def test_optional_distribution_defaults_are_distributions():
    data = baseline()
    data["beds"].pop("turnaround_hours", None)
    cfg = validate(data)
    assert list(_dist_dicts(cfg)) == []
    assert cfg.beds.turnaround_hours.mean() == 0.0


# --- extends and files ----------------------------------------------------------------------------


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_extends_patch_changes_one_site(tmp_path):
    base = _write(tmp_path / "base.yaml", _baseline_raw())
    site = next(n for n, s in _baseline_raw()["sites"].items() if s.get("beds"))
    beds = _baseline_raw()["sites"][site]["beds"] + 123
    patched = _write(tmp_path / "patch.yaml", {"extends": "base.yaml", "name": "patched",
                                               "sites": {site: {"beds": beds}}})
    a, b = load_config(base), load_config(patched)
    assert b.sites[site].beds == beds and b.name == "patched"
    dump_a, dump_b = a.model_dump(), b.model_dump()
    dump_b["sites"][site]["beds"] = dump_a["sites"][site]["beds"]
    dump_b["name"] = dump_a["name"]
    assert dump_a == dump_b  # nothing else changed


def test_extends_chain_of_three_relative_to_each_file(tmp_path):
    _write(tmp_path / "a.yaml", _baseline_raw())
    site, other = [n for n, s in _baseline_raw()["sites"].items() if s.get("beds")][:2]
    b1, b2 = (_baseline_raw()["sites"][n]["beds"] for n in (site, other))
    _write(tmp_path / "sub" / "b.yaml", {"extends": "../a.yaml", "run": {"seed": 5},
                                         "sites": {site: {"beds": b1 + 11}, other: {"beds": b2 + 22}}})
    c = _write(tmp_path / "sub" / "deeper" / "c.yaml", {"extends": "../b.yaml", "sites": {other: {"beds": b2 + 33}}})
    cfg = load_config(c)
    assert (cfg.sites[site].beds, cfg.sites[other].beds, cfg.run.seed) == (b1 + 11, b2 + 33, 5)
    assert cfg.run.months == _baseline_raw()["run"]["months"]


def test_extends_null_deletes_a_key(tmp_path):
    _write(tmp_path / "base.yaml", _baseline_raw())
    names = list(_baseline_raw()["sites"])
    gone = next(n for n in names if not _baseline_raw()["sites"][n].get("beds"))
    patch = _write(tmp_path / "patch.yaml", {"extends": "base.yaml", "sites": {gone: None}})
    assert gone not in load_raw(patch)["sites"]
    assert list(load_config(patch).sites) == [n for n in names if n != gone]


@pytest.mark.parametrize("loop", [["a"], ["a", "b"], ["a", "b", "c"]])
def test_extends_loop_is_refused(tmp_path, loop):
    for i, name in enumerate(loop):
        _write(tmp_path / f"{name}.yaml", {"extends": f"{loop[(i + 1) % len(loop)]}.yaml", "name": name})
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "a.yaml")
    assert any("extends" in p and "loop" in p for p in info.value.problems)


def test_extends_must_be_a_path(tmp_path):
    bad = _write(tmp_path / "bad.yaml", {"extends": ["a.yaml"], "name": "x"})
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert paths_of(info.value.problems) == ["extends"]


def test_extends_missing_base_is_a_config_error(tmp_path):
    patch = _write(tmp_path / "patch.yaml", {"extends": "nowhere.yaml"})
    with pytest.raises(ConfigError) as info:
        load_config(patch)
    assert info.value.source == str(patch.resolve())  # reported against the file that names it
    assert info.value.problems == ["extends: nowhere.yaml: cannot read: No such file or directory"]


@pytest.mark.parametrize(
    "content",
    ["name: [unclosed\n", "a: b: c\n", "- just\n- a list\n", "just a string\n", "\tname: tab\n",
     "a: !!python/object:os.system x\n"],
)
def test_non_yaml_or_non_mapping_file_is_a_config_error(tmp_path, content):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.source == str(path.resolve()) and len(info.value.problems) == 1


def test_unreadable_paths_are_config_errors(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "missing.yaml")
    assert info.value.problems[0].startswith("cannot read")
    with pytest.raises(ConfigError):
        load_config(tmp_path)  # a directory


@pytest.mark.parametrize("content", [b"name: caf\xe9\n", bytes(range(256))], ids=["latin1", "binary"])
def test_non_utf8_file_is_a_config_error(tmp_path, content):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError):
        load_config(path)


def test_empty_file_is_an_invalid_config_not_a_crash(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "name" in paths_of(info.value.problems)


# --- deep_merge -----------------------------------------------------------------------------------


def test_deep_merge_rules():
    base = {"a": 1, "b": {"c": 2, "d": {"e": 3, "f": 4}}, "l": [1, 2, 3], "s": "x"}
    snapshot = copy.deepcopy(base)
    patch = {"b": {"d": {"e": None, "g": 5}}, "l": [9], "s": {"now": "a mapping"}, "n": None, "new": {"k": 1}}
    assert deep_merge(base, patch) == {
        "a": 1,
        "b": {"c": 2, "d": {"f": 4, "g": 5}},
        "l": [9],  # lists are replaced, not merged
        "s": {"now": "a mapping"},
        "new": {"k": 1},
    }
    assert base == snapshot  # the base is not modified
    assert deep_merge(base, {"b": None}) == {"a": 1, "l": [1, 2, 3], "s": "x"}
    assert deep_merge(base, {}) == base
    assert deep_merge({"x": {"y": 1}}, {"x": 5}) == {"x": 5}


def test_deep_merge_distribution_of_another_kind_replaces_the_whole_distribution():
    base = {"los": {"dist": "lognormal", "mean": 4, "sd": 3}}
    assert deep_merge(base, {"los": {"dist": "fixed", "value": 2}}) == {"los": {"dist": "fixed", "value": 2}}
    assert deep_merge(base, {"los": {"mean": 5}}) == {"los": {"dist": "lognormal", "mean": 5, "sd": 3}}
    assert deep_merge(base, {"los": {"dist": "lognormal", "sd": 1}}) == {"los": {"dist": "lognormal", "mean": 4, "sd": 1}}


def test_patch_to_another_distribution_kind_validates(tmp_path):
    _write(tmp_path / "base.yaml", _baseline_raw())
    patch = _write(tmp_path / "patch.yaml", {"extends": "base.yaml",
                                             "ae": {"triage_minutes": {"dist": "fixed", "value": 10}}})
    cfg = load_config(patch)
    assert cfg.ae.triage_minutes.mean() == 10 and cfg.ae.triage_minutes.ppf(0.3) == 10


@settings(max_examples=100, deadline=None)
@given(
    base=st.dictionaries(st.sampled_from("abcde"), st.integers() | st.dictionaries(st.sampled_from("xyz"), st.integers())),
    patch=st.dictionaries(st.sampled_from("abcdef"), st.none() | st.integers()),
)
def test_deep_merge_top_level_semantics(base, patch):
    merged = deep_merge(base, patch)
    for k in set(base) | set(patch):
        if k in patch and patch[k] is None:
            assert k not in merged
        elif k in patch:
            assert merged[k] == patch[k]
        else:
            assert merged[k] == base[k]
