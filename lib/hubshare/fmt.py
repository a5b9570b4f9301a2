"""Number formatting shared by tables, the command line and figures."""

from __future__ import annotations

import math


def count(n: float | int | None) -> str:
    """A download count in short form: ``153_600_000`` → ``'153.6M'``, ``942_100`` → ``'942.1k'``.

    >>> count(153_600_000), count(1_370_896_679), count(950)
    ('153.6M', '1.37B', '950')
    """
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "n/a"
    n = float(n)
    a = abs(n)
    if a >= 1e9:
        return f"{n / 1e9:.2f}B"
    if a >= 1e6:
        return f"{n / 1e6:.1f}M"
    if a >= 1e3:
        return f"{n / 1e3:.1f}k"
    return f"{n:.0f}"


def millions(m: float) -> str:
    """A value already in millions: ``942.1`` → ``'942.1M'``, ``1150`` → ``'1,150M'``."""
    return f"{m:,.1f}M" if m != int(m) else f"{int(m):,}M"


def percent(share: float | None, digits: int = 1) -> str:
    """A share in 0–1 as a percentage: ``0.503`` → ``'50.3%'``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{100 * share:.{digits}f}%"
