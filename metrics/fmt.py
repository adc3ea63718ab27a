"""Numbers and dates the Colombian way: 1.234,5 · 83,2 % · 31 de diciembre de 2024."""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.periods import MONTHS


def number(x, decimals: int = 1) -> str:
    """1234.56 -> '1.234,6'; missing -> '—'."""
    if x is None or pd.isna(x):
        return "—"
    text = f"{float(x):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(fraction, decimals: int = 1) -> str:
    """0.832 -> '83,2 %'."""
    return "—" if fraction is None or pd.isna(fraction) else f"{number(fraction * 100, decimals)} %"


def value(x, unit: str) -> str:
    """A measured value with its unit."""
    if x is None or pd.isna(x):
        return "—"
    if unit == "%":
        return f"{number(x)} %"
    # counts show whole numbers, but a prorated target of 1,5 keeps its decimal (never "2")
    decimals = 0 if unit in ("#", "personas") and round(float(x), 1) == round(float(x)) else 1
    return f"{number(x, decimals)} {unit}" if unit not in ("#",) else number(x, decimals)


def long_date(d) -> str:
    """date(2024, 12, 31) -> '31 de diciembre de 2024'."""
    d = pd.Timestamp(d).date()
    return f"{d.day} de {MONTHS[d.month - 1]} de {d.year}"


def short_date(d: date) -> str:
    """date(2024, 12, 31) -> '31/12/2024'."""
    return pd.Timestamp(d).strftime("%d/%m/%Y")


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 indicador', '3 indicadores', '0 indicadores': the number and the word that agrees with it."""
    word = singular if n == 1 else (plural or (singular + ("es" if singular[-1] not in "aeiouáéó" else "s")))
    return f"{number(n, 0)} {word}"


# Whole columns at once, for tables: the same rules as above, one call per column instead of a loop
# in every page. Missing values read "—".
def numbers(xs: pd.Series, decimals: int = 1, suffix: str = "") -> pd.Series:
    """number() of every value of a column, with `suffix` after the figures (never after "—")."""
    return pd.Series([number(x, decimals) + suffix if pd.notna(x) else "—" for x in xs],
                     index=xs.index, dtype=object)


def percents(fractions: pd.Series, decimals: int = 1) -> pd.Series:
    """percent() of every value of a column."""
    return numbers(fractions * 100, decimals, " %")


def values(xs: pd.Series, units, suffix: str = "") -> pd.Series:
    """value() of every value of a column, each with its unit (a column, or one unit for all), and
    `suffix` after it (never after "—")."""
    units = [units] * len(xs) if isinstance(units, str) else units
    return pd.Series([value(x, u) + suffix if pd.notna(x) else "—" for x, u in zip(xs, units)],
                     index=xs.index, dtype=object)


def short_dates(ds: pd.Series) -> pd.Series:
    """short_date() of every date of a column."""
    return pd.to_datetime(ds).dt.strftime("%d/%m/%Y").fillna("—")
