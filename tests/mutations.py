"""Mutated configs for property-based tests of bad input (``test_bad_input.py``).

A mutation takes a config as plain data (a YAML file's own mapping, or a whole merged config)
and changes it the ways a user, a script or a typing slip would: a value of the wrong type, the
wrong sign, infinite, not a number, huge or tiny; a key deleted or unknown; an ``extends:`` that is
deep, cyclic, or names something that is not a config file. ``write_config`` writes the result
where ``icsim`` can read it, making the files an ``extends:`` mutation needs.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

# Values chosen for the trouble they cause: not finite, out of every bound, the wrong type, a
# date that does not exist, a name that is a path.
ODD_VALUES = [math.inf, -math.inf, math.nan, 1e30, 4.6e15, 1e308, -1.0, -1, 0, 0.0, 1e-300, 5e-324, 10**20,
              2**63, True, False, None, "", "abc", "2024-02-30", [], {}, [1, 2], {"x": 1}, "../x", "/etc", "..",
              "1e30", 0.5, 1, 7, 100, 1000]
VALUES = st.one_of(st.sampled_from(ODD_VALUES), st.floats(), st.integers(-10**25, 10**25), st.text(max_size=8))
FACTORS = [-1.0, 0.0, 1e-300, 1e-9, 1e-3, 0.5, 2.0, 10.0, 1e3, 1e6, 1e9, 1e30]
EXTENDS = ["deep", "cyclic", "self", "/dev/zero", "directory", "fifo", "missing", "not a path", "empty"]


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key and list index in ``data``, as paths from the top (parents before children)."""
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        out.append(prefix + (key,))
        out += paths(value, prefix + (key,))
    return out


def _parent(data: Any, path: tuple):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


def _scaled(value, factor: float):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    result = value * factor
    return int(result) if isinstance(value, int) and math.isfinite(result) else result


@st.composite
def mutation(draw, data: dict) -> tuple:
    """One mutation of ``data``: (kind, path, argument)."""
    kind = draw(st.sampled_from(["set", "scale", "delete", "unknown", "extends"]))
    if kind == "extends":
        return kind, (), draw(st.sampled_from(EXTENDS))
    candidates = paths(data)
    if kind == "unknown":
        groups = [()] + [p for p in candidates if isinstance(_parent(data, p + (None,)), dict)]
        return kind, draw(st.sampled_from(groups)), draw(st.sampled_from(["zzz_unknown", "bedz", "1"]))
    path = draw(st.sampled_from(candidates))
    if kind == "scale":
        return kind, path, draw(st.sampled_from(FACTORS))
    return kind, path, draw(VALUES) if kind == "set" else None


def mutations(data: dict, most: int = 3):
    """One to ``most`` mutations of ``data``."""
    return st.lists(mutation(data), min_size=1, max_size=most)


def apply(data: dict, changes: list[tuple]) -> tuple[dict, list[str]]:
    """``data`` with ``changes`` made (a change whose path another change removed is skipped);
    and the ``extends:`` kinds asked for, which ``write_config`` makes."""
    data = copy.deepcopy(data)
    extends = []
    for kind, path, argument in changes:
        if kind == "extends":
            extends.append(argument)
            continue
        try:
            parent = _parent(data, path + (None,)) if kind == "unknown" else _parent(data, path)
            if kind == "unknown":
                if isinstance(parent, dict):
                    parent[argument] = 1
            elif kind == "delete":
                del parent[path[-1]]
            elif kind == "set":
                parent[path[-1]] = copy.deepcopy(argument)
            else:
                parent[path[-1]] = _scaled(parent[path[-1]], argument)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced what this one would change
    return data, extends


def write_config(folder: Path, data: dict, extends: list[str], name: str = "mutated.yaml") -> Path:
    """Write ``data`` as ``folder/name``; for each ``extends:`` kind, point the file (or the end
    of its chain) at the trouble asked for. ``data``'s own ``extends`` must be absolute."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = dict(data)
    for kind in extends:
        base = data.get("extends")
        if kind == "deep":  # a chain of 40 files, each extending the next, the last the real base
            link = base
            for i in reversed(range(40)):
                step = folder / f"chain{i}.yaml"
                step.write_text(yaml.safe_dump({"extends": link} if link else {}))
                link = str(step)
            data["extends"] = link
        elif kind == "cyclic":
            (folder / "loop_a.yaml").write_text(yaml.safe_dump({"extends": str(folder / "loop_b.yaml")}))
            (folder / "loop_b.yaml").write_text(yaml.safe_dump({"extends": str(folder / "loop_a.yaml")}))
            data["extends"] = str(folder / "loop_a.yaml")
        elif kind == "self":
            data["extends"] = name
        elif kind == "directory":
            data["extends"] = str(folder)
        elif kind == "fifo":
            fifo = folder / "pipe.yaml"
            if not fifo.exists():
                os.mkfifo(fifo)
            data["extends"] = str(fifo)
        elif kind == "missing":
            data["extends"] = str(folder / "no_such_base.yaml")
        elif kind == "not a path":
            data["extends"] = [1, 2]
        elif kind == "empty":
            data["extends"] = ""
        else:
            data["extends"] = kind
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path
