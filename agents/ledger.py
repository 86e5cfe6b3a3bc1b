"""An organisation's books: money in and out, month by month, by category.

Income categories: ``allocation`` (the ICB's programme allocation), ``running_cost_allowance`` (the
ICB's allowance for its own running costs), ``contract`` (paid by the ICB for services),
``better_care_fund``, ``council_budget``, ``central_funding`` (money from NHS England).
Spending categories: ``pay`` (staff in post), ``agency``, ``non_pay``, ``one_off`` (redundancy and
the like), ``payments`` (what the ICB pays out to providers and the council), ``care_purchased``
(social care bought).
The surplus is income minus spending; a negative surplus is a deficit.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

INCOME = ("allocation", "running_cost_allowance", "contract", "better_care_fund", "council_budget", "central_funding")
SPENDING = ("pay", "agency", "non_pay", "one_off", "payments", "care_purchased")


class Ledger:
    """Monthly totals by category for one organisation."""

    def __init__(self, owner: str):
        self.owner = owner
        self._months: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def book(self, month: int, category: str, amount: float) -> None:
        """Add ``amount`` (pounds, >= 0) to a category in a month."""
        if category not in INCOME and category not in SPENDING:
            raise ValueError(f"unknown ledger category {category!r}")
        if amount < 0:
            raise ValueError(f"{self.owner}: {category} amount must be >= 0, got {amount}")
        self._months[month][category] += amount

    def income(self, month: int) -> float:
        return sum(v for k, v in self._months.get(month, {}).items() if k in INCOME)

    def spending(self, month: int) -> float:
        return sum(v for k, v in self._months.get(month, {}).items() if k in SPENDING)

    def surplus(self, month: int) -> float:
        return self.income(month) - self.spending(month)

    def total(self, months, what: str = "surplus") -> float:
        return sum(getattr(self, what)(m) for m in months)

    def amount(self, month: int, category: str) -> float:
        return self._months.get(month, {}).get(category, 0.0)

    def forecast_year_end(self, months_done: list[int], months_in_year: int = 12) -> float:
        """Year-end surplus if the rest of the year runs like the latest month (run-rate forecast)."""
        if not months_done:
            return 0.0
        to_date = self.total(months_done)
        remaining = months_in_year - len(months_done)
        return to_date + remaining * self.surplus(months_done[-1])

    def frame(self) -> pd.DataFrame:
        rows = [(self.owner, m, cat, amt) for m, cats in sorted(self._months.items()) for cat, amt in cats.items()]
        return pd.DataFrame(rows, columns=["organisation", "month", "category", "amount"])
