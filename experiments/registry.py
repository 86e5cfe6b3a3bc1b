"""The claims icsim can judge, by name: what an experiment's ``verdict:`` may name.

A verdict is code that reads an experiment's results and answers its claim's questions. An
experiment file is data, so it names a claim registered here and nothing else: no module is ever
imported because a file names it. A claim that is not here is refused when the experiment is
loaded, naming the field ``verdict``. To add a claim, write its module (a ``verdict(summary, exp)``
function returning question, answer and evidence rows; see ``experiments.claims``) and register it
below.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from experiments import ae_closure, calibration, efficiency_squeeze, forty_percent, integration, social_care
from experiments.report import generic_verdict

Verdict = Callable[[pd.DataFrame, object], pd.DataFrame]

CLAIMS: dict[str, Verdict] = {
    "forty_percent": forty_percent.verdict,
    "ae_closure": ae_closure.verdict,
    "efficiency_squeeze": efficiency_squeeze.verdict,
    "social_care": social_care.verdict,
    "integration": integration.verdict,
    "calibration": calibration.verdict,
}


def judge(summary: pd.DataFrame, exp) -> pd.DataFrame:
    """The verdict on an experiment's summary: its claim's, or the generic one (each scenario's
    difference from the baseline) when it names none."""
    if exp.spec.verdict is None:
        return generic_verdict(summary, exp)
    return CLAIMS[exp.spec.verdict](summary, exp)
