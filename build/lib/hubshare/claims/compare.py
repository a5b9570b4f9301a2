"""What a claim's ``test`` says of a value, exactly or when the value is only a bound.

Values are on the claim's own scale: downloads as counts, shares as fractions (0.5 for 50%),
ratios as ratios.

>>> holds("nearly", 942.1e6, 1e9), holds("share-over", 0.462, 0.5), holds("about", 1.9, 2.0)
(True, False, True)
>>> holds("nearly", 1000e6, 1e9, bound="lower"), holds("share-over", 0.171, 0.5, bound="upper")
(False, False)
"""

from __future__ import annotations

NEARLY = 0.9
"""The reading of "nearly X": at least 90% of X and less than X."""


def holds(test: str, v: float, value: float | None, *, within: float = 0.1, bound: str = "exact") -> bool | None:
    """Whether the claim holds at ``v``; with ``bound`` ``lower`` (the true value is at least
    ``v``) or ``upper`` (at most ``v``), None when the bound cannot tell."""
    low, high = _band(test, value, within)
    inside = low <= v < high if test == "nearly" else (v > low if test in ("share-over", "more-than") else low <= v <= high)
    if bound == "lower":  # the truth is v or more: it can only leave the band above
        return False if v > high or (test == "nearly" and v >= high) else (True if inside and high == float("inf") else None)
    if bound == "upper":  # the truth is v or less: it can only leave the band below
        return False if v < low or (test in ("share-over", "more-than") and v <= low) else (True if inside and low == float("-inf") else None)
    return inside


def _band(test: str, value: float | None, within: float) -> tuple[float, float]:
    """The values for which the test holds, as (low, high)."""
    if test in ("share-over", "more-than"):
        return (value if value is not None else 1.0), float("inf")
    if test == "at-least":
        return value, float("inf")
    if test == "nearly":
        return NEARLY * value, value
    return value * (1 - within), value * (1 + within)


def words(test: str, value: float | None, quantity: str, *, within: float = 0.1) -> str:
    """The test in words, for notes: ``over 50%``, ``above 1``, ``about 2×``."""
    shown = f"{100 * value:g}%" if quantity in ("share", "top-share", "below") and value is not None else f"{value:g}" if value is not None else "1"
    if quantity == "ratio":
        shown = f"{value if value is not None else 1:g}×"
    return {"share-over": f"over {shown}", "more-than": f"above {shown.rstrip('×')}", "at-least": f"at least {shown}",
            "nearly": f"nearly {shown}", "about": f"about {shown} (within {100 * within:g}%)"}[test]
