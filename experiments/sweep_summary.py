"""What a sweep found: KPI tables over the design and, for Sobol or Morris designs, sensitivity
indices (SALib) with a figure.

    OUT/summary/results.parquet      every planned run: parameters, status, error, KPIs
    OUT/summary/points.csv           each design point: parameters, runs, each KPI's mean and 95% t-interval
    OUT/summary/kpis.csv             each KPI over the design: min, 5th percentile, median, 95th, max
    OUT/summary/sensitivity.csv      Sobol: S1, ST with confidence; Morris: mu*, sigma (per KPI, parameter)
    OUT/summary/sensitivity.png      the indices as bars, one panel per KPI
    OUT/summary/report.md            all of the above, readable

Indices are computed on each point's mean over its replications, in the design's own order. A
KPI with a point that has no result (a failed run) gets no indices, and the report says why:
SALib's estimators need every point of the design.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from SALib.analyze import morris, sobol  # noqa: E402

from experiments.analysis import t_interval  # noqa: E402
from experiments.design import problem, sample  # noqa: E402
from experiments.sweep import results  # noqa: E402
from experiments.sweep_config import LoadedSweep  # noqa: E402

WIDE_INTERVAL = 0.1  # a Sobol index's 95% half-width above which the report says the sample is too small


def point_table(df: pd.DataFrame, parameters: list[str], kpis: list[str]) -> pd.DataFrame:
    """One row per point: its parameters, runs done, and each KPI's mean with its 95% t-interval."""
    rows = []
    for point, runs in df.groupby("point", sort=True):
        ok = runs[runs.status == "ok"]
        row = {"point": point, **runs.iloc[0][parameters].to_dict(), "runs_ok": len(ok), "runs_failed":
               int((runs.status == "failed").sum())}
        for kpi in kpis:
            mean, low, high = t_interval(ok[kpi].to_numpy(float))
            row[kpi] = mean
            row[f"{kpi}_low"], row[f"{kpi}_high"] = low, high
        rows.append(row)
    return pd.DataFrame(rows)


def kpi_table(points: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    rows = []
    for kpi in kpis:
        x = points[kpi].dropna().to_numpy(float)
        q = np.quantile(x, [0, 0.05, 0.5, 0.95, 1]) if len(x) else [np.nan] * 5
        rows.append({"kpi": kpi, "points": len(x), "min": q[0], "p05": q[1], "median": q[2], "p95": q[3], "max": q[4]})
    return pd.DataFrame(rows)


def sensitivity(sweep: LoadedSweep, points: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices per KPI and parameter, and a note for each KPI that has none."""
    spec = sweep.spec
    if spec.design not in ("sobol", "morris"):
        return pd.DataFrame(), []

    names = list(spec.parameters)
    rows, notes = [], []
    ordered = points.sort_values("point")
    incomplete = int((ordered.runs_ok < spec.replications).sum()) if "runs_ok" in ordered else 0
    if incomplete:
        return pd.DataFrame(), [f"no indices: {incomplete} of {len(ordered)} design points do not have all "
                                f"{spec.replications} replications finished (SALib needs every point)"]
    for kpi in spec.kpis:
        y = ordered[kpi].to_numpy(float)
        missing = int(np.isnan(y).sum())
        if missing:
            notes.append(f"{kpi}: no indices: {missing} of {len(y)} design points have no result")
            continue
        if np.ptp(y) == 0:
            notes.append(f"{kpi}: no indices: the KPI is the same at every point")
            continue
        if spec.design == "sobol":
            s = sobol.analyze(problem(spec), y, calc_second_order=False, seed=spec.seed)
            for i, name in enumerate(names):
                rows.append({"kpi": kpi, "parameter": name, "S1": s["S1"][i], "S1_conf": s["S1_conf"][i],
                             "ST": s["ST"][i], "ST_conf": s["ST_conf"][i]})
        else:
            s = morris.analyze(problem(spec), sample(spec), y, num_levels=spec.morris_levels, seed=spec.seed)
            for i, name in enumerate(names):
                rows.append({"kpi": kpi, "parameter": name, "mu_star": s["mu_star"][i],
                             "mu_star_conf": s["mu_star_conf"][i], "sigma": s["sigma"][i]})
    indices = pd.DataFrame(rows)
    conf = [c for c in ("S1_conf", "ST_conf") if c in indices]
    if conf and float(indices[conf].max().max()) > WIDE_INTERVAL:
        notes.append(f"some 95% confidence half-widths exceed {WIDE_INTERVAL}: with samples = {spec.samples} the "
                     "indices are rough (values outside 0 to 1 are estimation noise); a larger sample narrows them")
    return indices, notes


def figure(indices: pd.DataFrame, design: str, path: Path) -> None:

    kpis = list(dict.fromkeys(indices.kpi))
    fig, axes = plt.subplots(len(kpis), 1, figsize=(8, 1.2 + 0.45 * len(indices) / max(len(kpis), 1) * len(kpis)),
                             squeeze=False)
    for ax, kpi in zip(axes[:, 0], kpis):
        d = indices[indices.kpi == kpi]
        y = np.arange(len(d))
        if design == "sobol":
            ax.barh(y - 0.2, d.ST, 0.4, xerr=d.ST_conf, label="total (ST)", color="#1f77b4")
            ax.barh(y + 0.2, d.S1, 0.4, xerr=d.S1_conf, label="first order (S1)", color="#aec7e8")
            ax.set_xlabel("Sobol index (share of the KPI's variance)")
        else:
            ax.barh(y, d.mu_star, 0.6, xerr=d.mu_star_conf, label="mu* (mean absolute effect)", color="#1f77b4")
            ax.set_xlabel("Morris mu* (mean absolute elementary effect)")
        ax.set_yticks(y, d.parameter)
        ax.invert_yaxis()
        ax.set_title(kpi, loc="left", fontsize=10)
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def _markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def write(sweep: LoadedSweep, out) -> Path:
    """Write the summary of everything under ``out`` (finished or not) to ``out/summary``."""
    spec = sweep.spec
    target = Path(out) / "summary"
    target.mkdir(parents=True, exist_ok=True)
    df = results(out)
    parameters = list(spec.parameters)
    points = point_table(df, parameters, spec.kpis)
    kpis = kpi_table(points, spec.kpis)
    indices, notes = sensitivity(sweep, points)
    df.to_parquet(target / "results.parquet", index=False)
    points.to_csv(target / "points.csv", index=False)
    kpis.to_csv(target / "kpis.csv", index=False)
    (target / "sensitivity.png").unlink(missing_ok=True)
    if len(indices):
        indices.to_csv(target / "sensitivity.csv", index=False)
        figure(indices, spec.design, target / "sensitivity.png")
    status = df.drop_duplicates("key").status.value_counts()
    lines = [f"# Sweep {spec.name}", "", spec.description, "",
             f"Design: {spec.design}, {len(points)} points x {spec.replications} replications "
             f"(seeds {spec.seed} to {spec.seed + spec.replications - 1}), {spec.months} months each, "
             f"base config `{spec.base}`.", "",
             f"Runs: {status.get('ok', 0)} finished, {status.get('failed', 0)} failed, "
             f"{status.get('not run', 0)} not run.", "",
             "## Parameters", "", _markdown(pd.DataFrame(
                 [{"parameter": k, "range": (str(p.values) if p.values is not None else f"{p.low:g} to {p.high:g}"),
                   "whole numbers": "yes" if p.integer else "no"} for k, p in spec.parameters.items()])), "",
             "## KPIs over the design (point means)", "", _markdown(kpis), ""]
    if spec.design in ("sobol", "morris"):
        lines += ["## Sensitivity", ""]
        if len(indices):
            lines += [_markdown(indices), "", "![sensitivity](sensitivity.png)", ""]
        lines += [f"- {n}" for n in notes] + ([""] if notes else [])
    failed = df[df.status == "failed"].drop_duplicates("key")
    if len(failed):
        lines += ["## Failed runs", "", _markdown(failed[["point", "seed", "error"]]), ""]
    (target / "report.md").write_text("\n".join(lines))
    return target
