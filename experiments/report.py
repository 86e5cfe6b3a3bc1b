"""The report of an experiment: Markdown with PNG figures and CSV tables.

Everything in the report comes from the results and the judgements, in a fixed order, with no clock
time, path or machine in it: the same experiment with the same seed writes the same files, byte
for byte, whether its runs were made on this machine or on a cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.config import LoadedExperiment  # noqa: E402
from experiments.precision import Precision  # noqa: E402
from experiments.questions import fmt  # noqa: E402 - one number formatter for reports and sentences

FILES = ("report.md", "results.csv", "summary.csv", "verdict.csv", "places.csv", "robustness.csv", "warmup.csv")


def signed(x: float) -> str:
    return ("+" if isinstance(x, float) and x > 0 else "") + fmt(x)


@dataclass
class Judged:
    """Everything the report says, made by ``experiments.judging``."""

    results: pd.DataFrame
    summary: pd.DataFrame
    verdict: pd.DataFrame
    overall: tuple[str, str]
    places: pd.DataFrame
    margins: pd.DataFrame
    assumptions: pd.DataFrame
    warmup: pd.DataFrame
    precision: Precision
    findings: list[str]
    model_digest: str


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


def _verdict_lines(v: pd.DataFrame) -> list[str]:
    lines = ["| question | scenario | KPI | answer | difference [interval] | margin | n |", "|---|---|---|---|---|---|---|"]
    for r in v.itertuples():
        expect = f" (claim: {r.expect.replace('_', ' ')})" if r.expect else ""
        note = f" {r.note}" if r.note else ""
        lines.append(f"| {r.question}{expect} | {r.scenario} vs {r.against} | {r.label} | **{r.answer}**{note} | "
                     f"{signed(r.difference)} [{fmt(r.low)}, {fmt(r.high)}] at {r.level:.2%} | "
                     f"{fmt(r.margin)} ({r.margin_name}: {r.margin_basis}{', assumed' if r.margin_assumed else ''}) | "
                     f"{r.replications} |")
    return lines


def write(out: str | Path, exp: LoadedExperiment, judged: Judged) -> Path:
    """Write report.md, the CSV tables and figures/ into ``out``."""
    spec = exp.spec
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    csv = {"float_format": "%.10g", "index": False}
    judged.results.to_csv(out / "results.csv", **csv)
    judged.summary.to_csv(out / "summary.csv", **csv)
    judged.verdict.to_csv(out / "verdict.csv", **csv)
    judged.places.to_csv(out / "places.csv", **csv)
    pd.concat([judged.margins.assign(kind="margin"), judged.assumptions.assign(kind="assumption")],
              ignore_index=True).to_csv(out / "robustness.csv", **csv)
    judged.warmup.to_csv(out / "warmup.csv", **csv)
    for kpi in spec.kpis:
        _figure(judged.summary, kpi, out / "figures" / f"{kpi}.png", spec.baseline)

    p = judged.precision
    verdict, sentence = judged.overall
    seeds = sorted({exp.seed(s, 0) for s in spec.scenarios})
    lines = [
        f"# {spec.name}", "",
        f"**Claim tested:** {spec.claim}", "",
        f"**Verdict: {verdict}.** {sentence}", "",
        "## How it was tested", "",
        f"{len(spec.scenarios)} scenarios x {p.replications} replications ({p.reason}; rounds of "
        f"{', '.join(map(str, p.rounds))}), {spec.months} reported months each after the base config's warm-up. "
        f"Replication k of every scenario uses seed {seeds[0]}+k (common random numbers), so differences are "
        f"paired{'; a scenario with a seed offset meets other patients' if len(seeds) > 1 else ''}. Base config: "
        f"`{spec.base}`. Model code digest: `{judged.model_digest}`.", "",
        "Each question compares one KPI between a scenario and its reference against a minimal important "
        "difference (its margin: `sim/reference/england.yaml`, minimal_important_differences, or stated in the "
        "experiment with its reason). The answer is *clearly worse* or *clearly better* when the paired interval "
        "lies beyond the margin, *equivalent* when it lies within it, *no worse* or *no better* when it rules out "
        "one side only, and *inconclusive* when it straddles a margin. The questions are one family: Holm's "
        "procedure controls the chance of any wrong definite answer at 5%, so each interval is at the level its "
        "question was judged at (shown).", "",
        "| scenario | what it changes |", "|---|---|",
        *[f"| {name} | {s.description or '-'} |" for name, s in spec.scenarios.items()], "",
        "## Verdict", "",
        *_verdict_lines(judged.verdict), "",
    ]
    if p.imprecise:
        lines += [f"Still wider than half their margin after {p.replications} replications: "
                  + ", ".join(p.imprecise) + ".", ""]
    lines += ["## KPIs by scenario", "", "Mean [95% CI]; under it, the paired difference from the baseline [95% CI].", "",
              "| scenario | " + " | ".join(spec.kpis) + " |", "|---|" + "---|" * len(spec.kpis)]
    s = judged.summary
    for scenario in spec.scenarios:
        cells, diffs = [], []
        for kpi in spec.kpis:
            r = s[(s.scenario == scenario) & (s.kpi == kpi)]
            if r.empty:
                cells.append("-")
                diffs.append("")
                continue
            r = r.iloc[0]
            cells.append(f"{fmt(r['mean'])} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]")
            diffs.append("" if scenario == spec.baseline else f"{signed(r['diff'])} [{fmt(r.diff_low)}, {fmt(r.diff_high)}]")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
        if scenario != spec.baseline:
            lines.append("| (vs baseline) | " + " | ".join(diffs) + " |")
    lines += ["", "## Sites and localities the scenarios changed", "",
              "Each site's and locality's KPIs against the baseline, paired, with their 95% interval and what it says "
              "against the KPI's margin (one place at a time; these describe where a change falls and are not part "
              "of the verdict). Only the places a scenario changed are listed: clearly worse or better beyond the "
              "margin (or, for a KPI with no margin, an interval that excludes zero); `places.csv` has them all.", ""]
    changed = judged.places[judged.places.answer.isin(["clearly worse", "clearly better", "higher", "lower"])]
    if changed.empty:
        lines += ["No site or locality changed beyond its margins.", ""]
    else:
        lines += ["| scenario | place | KPI | baseline | difference [95% interval] | answer |", "|---|---|---|---|---|---|"]
        for r in changed.itertuples():
            lines.append(f"| {r.scenario} | {r.place} | {r.kpi} | {fmt(r.baseline)} | {signed(r.difference)} "
                         f"[{fmt(r.low)}, {fmt(r.high)}] | {r.answer} |")
        lines.append("")
    lines += ["## Robustness: does each answer survive its assumptions?", ""]
    if not judged.assumptions.empty:
        lines += ["The scenarios each assumption names run again with it at each end of its plausible range (the "
                  "others as configured), and every question between those scenarios judged again:", "",
                  "| assumption (range) | question | answer | at the low end | at the high end | holds? |",
                  "|---|---|---|---|---|---|"]
        for r in judged.assumptions.itertuples():
            flip = f"; {r.flip}" if r.flip else ""
            lines.append(f"| {r.assumption} ({r.range}) | {r.question} | {r.main} | {r.at_low or '-'} | "
                         f"{r.at_high or '-'} | {r.holds}{flip} |")
        lines.append("")
    else:
        lines += ["No assumption of this experiment is varied.", ""]
    if not judged.margins.empty:
        lines += ["The same evidence judged with each margin at the ends of its range:", "",
                  "| question | margin | answer | at the low margin | at the high margin | holds? |",
                  "|---|---|---|---|---|---|"]
        for r in judged.margins.itertuples():
            lines.append(f"| {r.question} | {r.margin} | {r.main} | {r.at_low_margin} | {r.at_high_margin} | {r.holds} |")
        lines.append("")
    lines += ["## Warm-up", "",
              "MSER-5 on each capacity's daily occupancy, warm-up included (`sim/warmup.py`): the days from the start "
              "of a run after which the series is settled, median and largest over the runs, against the configured "
              "warm-up. A truncation near half the run is a series that drifts all year rather than a transient.", "",
              "| capacity | median (days) | largest (days) | configured (days) | enough |", "|---|---|---|---|---|"]
    for r in judged.warmup.itertuples():
        lines.append(f"| {r.capacity} | {fmt(r.median_days)} | {fmt(r.max_days)} | {fmt(r.configured_days)} | "
                     f"{'yes' if r.enough else '**no**'} |")
    lines.append("")
    if judged.findings:
        lines += ["## Findings", "", *[f"- {line}" for line in judged.findings], ""]
    lines += ["## Figures", "", *[f"![{kpi}](figures/{kpi}.png)" for kpi in spec.kpis], "",
              "Tables: `results.csv` (every run, every KPI at every scope), `summary.csv` (means, CIs, paired and "
              "unpaired differences), `verdict.csv`, `places.csv`, `robustness.csv`, `warmup.csv`.", ""]
    (out / "report.md").write_text("\n".join(lines))
    return out
