"""The points of a sweep: a full grid, or a sample drawn by SALib (Latin hypercube, Sobol
(Saltelli's scheme) or Morris trajectories), and the runs they make.

A run is one point at one replication. Its key is the digest of its full validated config and
its seed, so a run is known by what it computes, not by where it sits in the design: a restarted
sweep finds the runs it has already finished, and two points that round to the same config (a
whole-number parameter) run once.
"""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pandas as pd
from SALib.sample import latin, morris, sobol

from experiments.sweep_config import LoadedSweep, Sweep
from sim.config import ConfigError, validate


def problem(spec: Sweep) -> dict:
    """The SALib problem: one variable per parameter, on its range."""
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [[p.low, p.high] for p in spec.parameters.values()]}


def sample(spec: Sweep) -> np.ndarray:
    """The design's raw sample (points x parameters, unrounded), as SALib draws it."""

    if spec.design == "latin_hypercube":
        return latin.sample(problem(spec), spec.samples, seed=spec.seed)
    if spec.design == "sobol":
        return sobol.sample(problem(spec), spec.samples, calc_second_order=False, seed=spec.seed)
    if spec.design == "morris":
        return morris.sample(problem(spec), spec.samples, num_levels=spec.morris_levels, seed=spec.seed)
    raise ValueError(f"design {spec.design!r} is not sampled")


def points(spec: Sweep) -> pd.DataFrame:
    """One row per design point, one column per parameter, in the values the config takes."""
    names = list(spec.parameters)
    if spec.design == "grid":
        rows = list(itertools.product(*(p.grid_values() for p in spec.parameters.values())))
    else:
        raw = sample(spec)
        rows = [tuple(spec.parameters[n].value(x) for n, x in zip(names, row)) for row in raw]
    df = pd.DataFrame(rows, columns=names)
    df.index.name = "point"
    return df


def run_key(config_digest: str, seed: int) -> str:
    return f"{config_digest}-seed{seed}"


def plan(sweep: LoadedSweep) -> tuple[pd.DataFrame, dict[str, dict], dict[int, str]]:
    """Every run of the sweep.

    Returns the plan table (one row per point x replication: key, point, replication, seed,
    config_digest, parameter values), the validated config data of each point to run (by digest),
    and the points whose patched config is invalid (point -> the problems, one per line): those are
    recorded as failed runs without being sent to a worker."""
    spec = sweep.spec
    design = points(spec)
    rows, configs, invalid = [], {}, {}
    for point, values in zip(design.index, design.to_dict("records")):
        try:
            cfg = validate(sweep.config_data(values), f"point {point}")
        except ConfigError as exc:
            invalid[int(point)] = "; ".join(exc.problems)
            raw = json.dumps(sweep.config_data(values), sort_keys=True, default=str)
            digest = "x" + hashlib.sha256(raw.encode()).hexdigest()[:15]  # of the invalid data itself
        else:
            digest = cfg.digest()
            configs.setdefault(digest, cfg.model_dump(by_alias=True))
        for k in range(spec.replications):
            seed = spec.seed + k
            rows.append({"key": run_key(digest, seed), "point": int(point), "replication": k, "seed": seed,
                         "config_digest": digest, **values})
    return pd.DataFrame(rows), configs, invalid
