"""A value far outside an indicator's own history: the rule that asks the person to confirm it and
to explain it in the analysis before it is saved (a typo such as 995 for 99,5 is caught here).

The usual range is the median of the indicator's previous values (the values in force of the
periods that ended before this one, every vigencia) ± 3 times their spread, the spread being the
median absolute deviation scaled by 1,4826 (so that it equals the standard deviation for normal
data, without letting one old typo widen the range). A history with almost no spread (a process
that always reports 100 %) takes 5 % of the median as its spread, so 99 is not "far" from 100.
With fewer than MIN_HISTORY previous values there is no history to judge by.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from metrics import fmt

SPREADS = 3            # how many spreads from the median is "far"
MAD_TO_SD = 1.4826     # the MAD of normal data times this is its standard deviation
MIN_SPREAD_SHARE = 0.05
MIN_HISTORY = 4


@dataclass(frozen=True)
class UsualRange:
    low: float
    high: float
    n: int

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    def text(self, unit: str) -> str:
        return f"entre {fmt.value(self.low, unit)} y {fmt.value(self.high, unit)}"


def usual_range(previous: list[float]) -> UsualRange | None:
    """median ± 3 · max(1,4826 · MAD, 5 % of |median|) of the previous values; None without history."""
    if len(previous) < MIN_HISTORY:
        return None
    center = median(previous)
    spread = max(MAD_TO_SD * median(abs(x - center) for x in previous), MIN_SPREAD_SHARE * abs(center))
    if spread == 0:
        return None
    return UsualRange(center - SPREADS * spread, center + SPREADS * spread, len(previous))

