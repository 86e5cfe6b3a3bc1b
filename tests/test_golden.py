"""Results do not change unless a change says so: short runs compared with committed KPI tables."""

from __future__ import annotations

import pytest
from golden import RUNS, differences, kpi_rows, run


@pytest.mark.parametrize("name", list(RUNS))
def test_results_match_the_golden_output(name, request):
    hs = request.getfixturevalue("baseline_month") if name == "baseline_month" else run(name)
    changed = differences(name, kpi_rows(hs))
    assert not changed, (
        f"{len(changed)} KPI values differ from tests/golden/{name}.csv:\n  " + "\n  ".join(changed[:30])
        + "\nIf the change is meant to change results, run `python tests/golden.py` and say in the commit "
          "which KPIs moved and why.")
