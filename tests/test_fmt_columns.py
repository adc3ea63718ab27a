"""The column formatters of metrics/fmt.py say exactly what the one-value formatters say."""
from datetime import date

import numpy as np
import pandas as pd

from metrics import fmt

NUMBERS = pd.Series([1234.56, 0.0, -3.25, np.nan, None, 83.2], dtype=object)
FRACTIONS = pd.Series([0.832, 1.0, np.nan, 0.0005, None], dtype=object)


def test_numbers_and_percents_match_the_one_value_rules():
    for decimals in (0, 1, 3):
        assert list(fmt.numbers(NUMBERS, decimals)) == [fmt.number(x, decimals) for x in NUMBERS]
    assert list(fmt.percents(FRACTIONS)) == [fmt.percent(x) for x in FRACTIONS]
    assert list(fmt.percents(FRACTIONS, 0)) == [fmt.percent(x, 0) for x in FRACTIONS]
    assert list(fmt.numbers(NUMBERS, suffix=" pts")) == [
        "—" if pd.isna(x) else fmt.number(x) + " pts" for x in NUMBERS]


def test_values_keep_each_unit_and_dates_read_dd_mm_aaaa():
    xs = pd.Series([3.0, 1.5, np.nan, 85.25, 12.0])
    units = pd.Series(["#", "personas", "%", "%", "días hábiles"])
    assert list(fmt.values(xs, units)) == [fmt.value(x, u) for x, u in zip(xs, units)]
    assert list(fmt.values(xs, "%", " por año"))[:3] == ["3,0 % por año", "1,5 % por año", "—"]
    days = pd.Series([date(2024, 12, 31), None, date(2025, 1, 5)])
    assert list(fmt.short_dates(days)) == ["31/12/2024", "—", "05/01/2025"]
    assert fmt.numbers(pd.Series([], dtype=float)).empty
