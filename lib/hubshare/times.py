"""Time on the Hub's calendar, in one place: UTC, the ISO form manifests and JSON use, calendar
months, and the windows within which a census stands for a moment or is compared with another.

>>> iso(utc("2026-02-01 13:16:13"))
'2026-02-01T13:16:13Z'
>>> month_range("2025-11", "2026-02")
['2025-11', '2025-12', '2026-01', '2026-02']
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from .errors import HistoryError

if TYPE_CHECKING:  # pandas is imported where a function needs it: the command line starts without it
    import pandas as pd

TOLERANCE = timedelta(hours=1)
"""A census this close to a boundary stands for it as it is (a snapshot taken by cron at 00:05)."""
MAX_BRACKET = timedelta(hours=72)
"""The widest pair of censuses a boundary is interpolated between: with a census a day, a
missing or bad day still leaves a bracket of at most three days."""
WINDOW = timedelta(hours=36)
"""Without a bracket, a census this close on one side stands for the boundary (approximate)."""
DAILY = timedelta(hours=48)
"""Counters are compared day to day only between censuses at most this far apart: stalls and
stale days are day-scale events, invisible between monthly snapshots."""


def hours(delta: timedelta) -> str:
    """A window in hours for messages and help texts: ``36 h``."""
    return f"{delta.total_seconds() / 3600:g} h"


def utc(when: pd.Timestamp | str) -> pd.Timestamp:
    """A time as a UTC timestamp (a time without zone is taken as UTC)."""
    import pandas as pd

    t = pd.Timestamp(when)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def iso(t: pd.Timestamp | str, *, millis: bool = False) -> str:
    """A time with a zone as ``2026-02-01T00:00:00Z`` (with ``millis``, ``...00.000Z``, as the
    census file writes its dates); ``ValueError`` for a time without zone.

    >>> iso("2026-02-01T13:16:13Z", millis=True)
    '2026-02-01T13:16:13.000Z'
    """
    import pandas as pd

    stamp = pd.Timestamp(t)
    if stamp.tzinfo is None:
        raise ValueError(f"time {t!s} has no time zone (write it like 2026-02-01T00:00:00Z)")
    return stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.000Z" if millis else "%Y-%m-%dT%H:%M:%SZ")


def offset_text(delta: timedelta) -> str:
    """A time offset for people: ``5 min``, ``13.3 h``, ``8.4 days``."""
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 72 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def month(text: str) -> pd.Period:
    """``YYYY-MM`` as a month; ``HistoryError`` for anything else."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text or ""):
        raise HistoryError(f"{text!r} is not a month YYYY-MM")
    import pandas as pd

    return pd.Period(text, "M")


def month_start(text: str) -> pd.Timestamp:
    """``YYYY-MM`` as 00:00 UTC on its first day; ``HistoryError`` for anything else.

    >>> str(month_start("2026-02"))
    '2026-02-01 00:00:00+00:00'
    """
    return month(text).start_time.tz_localize("UTC")


def next_month(text: str) -> str:
    """The month after ``month``: ``"2026-12"`` → ``"2027-01"``."""
    return str(month(text) + 1)


def previous_month(text: str) -> str:
    """The month before ``month``: ``"2027-01"`` → ``"2026-12"``."""
    return str(month(text) - 1)


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (none when ``last`` is earlier)."""
    import pandas as pd

    return [str(p) for p in pd.period_range(month(first), month(last), freq="M")]
