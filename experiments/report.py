"""The report of an experiment: Markdown with PNG figures and CSV tables, and the verdict.

Everything in the report comes from the results table, in a fixed order, with no clock time in
it: the same experiment with the same seed writes the same files, byte for byte.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.analysis import significant  # noqa: E402

if TYPE_CHECKING:  # the experiment's loader registers the claims, whose modules use this one
    from experiments.config import LoadedExperiment


def fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    ax = abs(x)
    if ax >= 1e6:
        return f"{x / 1e6:,.1f}M"
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def generic_verdict(summary: pd.DataFrame, exp: LoadedExperiment) -> pd.DataFrame:
    """For every scenario and KPI: does it differ from the baseline, and by how much."""
    rows = []
    for row in summary[summary.scenario != exp.spec.baseline].itertuples():
        d = row._asdict()
        rows.append({"question": f"{row.scenario}: {row.kpi}", "answer": significant(d),
                     "evidence": f"{fmt(row.diff)} [{fmt(row.diff_low)}, {fmt(row.diff_high)}] vs baseline"})
    return pd.DataFrame(rows, columns=["question", "answer", "evidence"])


def _figure(summary: pd.DataFrame, kpi: str, path: Path, baseline: str) -> None:
    rows = summary[summary.kpi == kpi]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.4))
    for y, r in enumerate(rows.itertuples()):
        colour = "#555555" if r.scenario == baseline else "#1f5fa8"
        low = 0.0 if math.isnan(r.ci_low) else r.mean - r.ci_low
        high = 0.0 if math.isnan(r.ci_high) else r.ci_high - r.mean
        ax.errorbar([r.mean], [y], xerr=[[low], [high]], fmt="o", color=colour, capsize=3)
    ax.set_yticks(range(len(rows)), rows.scenario)
    ax.invert_yaxis()
    ax.set_xlabel(f"{kpi} (mean and 95% CI over replications)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def write(out: str | Path, exp: LoadedExperiment, results: pd.DataFrame, summary: pd.DataFrame,
          judged: pd.DataFrame) -> Path:
    """Write report.md, results.csv, summary.csv, verdict.csv and figures/ into ``out``."""
    spec = exp.spec
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False, float_format="%.10g")
    summary.to_csv(out / "summary.csv", index=False, float_format="%.10g")
    judged.to_csv(out / "verdict.csv", index=False)
    for kpi in spec.kpis:
        _figure(summary, kpi, out / "figures" / f"{kpi}.png", spec.baseline)

    n = int(results.replication.nunique())
    seeds = sorted(results.seed.unique())
    lines = [
        f"# {spec.name}",
        "",
        f"**Claim tested:** {spec.claim}",
        "",
        f"{len(spec.scenarios)} scenarios x {n} replications, {spec.months} reported months each after the "
        f"base config's warm-up; replication k of every scenario uses seed {seeds[0]}+k (common random "
        f"numbers), so differences are paired. Base config: `{spec.base}`. Intervals are 95% t-intervals "
        "over replications.",
        "",
        "## Verdict",
        "",
        "| question | answer | evidence |",
        "|---|---|---|",
        *[f"| {r.question} | {r.answer} | {r.evidence} |" for r in judged.itertuples()],
        "",
        "## Scenarios",
        "",
        "| scenario | what it changes |",
        "|---|---|",
        *[f"| {name} | {s.description or '-'} |" for name, s in spec.scenarios.items()],
        "",
        "## KPIs by scenario",
        "",
        "Mean [95% CI]; under it, the paired difference from the baseline [95% CI].",
        "",
        "| scenario | " + " | ".join(spec.kpis) + " |",
        "|---|" + "---|" * len(spec.kpis),
    ]
    for scenario in spec.scenarios:
        cells, diffs = [], []
        for kpi in spec.kpis:
            r = summary[(summary.scenario == scenario) & (summary.kpi == kpi)].iloc[0]
            cells.append(f"{fmt(r['mean'])} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]")
            diffs.append("" if scenario == spec.baseline else f"{fmt(r['diff'])} [{fmt(r.diff_low)}, {fmt(r.diff_high)}]")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
        if scenario != spec.baseline:
            lines.append("| (vs baseline) | " + " | ".join(diffs) + " |")
    lines += ["", "## Figures", ""]
    lines += [f"![{kpi}](figures/{kpi}.png)" for kpi in spec.kpis]
    lines += ["", "Tables: `results.csv` (every run), `summary.csv` (means, CIs, paired and unpaired "
              "differences), `verdict.csv`.", ""]
    (out / "report.md").write_text("\n".join(lines))
    return out
