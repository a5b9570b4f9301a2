"""Number formatting shared by tables, the command line and figures."""

from __future__ import annotations


def _missing(v) -> bool:
    try:
        return v is None or bool(v != v)  # NaN and pandas' NA are not equal to themselves
    except TypeError:  # pandas.NA: comparing it is itself NA
        return True


def count(n: float | int | None) -> str:
    """A download count in short form: ``153_600_000`` → ``'153.6M'``, ``942_100`` → ``'942.1k'``.

    >>> count(153_600_000), count(1_370_896_679), count(950)
    ('153.6M', '1.37B', '950')
    """
    if _missing(n):
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


def plural(n: int, word: str, words: str | None = None) -> str:
    """A count with its noun: ``1 page``, ``2 pages``, ``1,000 models``.

    >>> plural(1, "page"), plural(1_000, "organisation"), plural(2, "repository", "repositories")
    ('1 page', '1,000 organisations', '2 repositories')
    """
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def tick(n: float, _pos=None) -> str:
    """An axis tick: like ``count`` without a trailing ``.0`` (``50M``, ``1.5M``, ``0``)."""
    text = count(n)
    for unit in ("B", "M", "k"):
        text = text.replace(f".0{unit}", unit).replace(f".00{unit}", unit)
    return text


def millions(m: float) -> str:
    """A value already in millions: ``942.1`` → ``'942.1M'``, ``1150`` → ``'1,150M'``."""
    return f"{m:,.1f}M" if m != int(m) else f"{int(m):,}M"


def percent(share: float | None, digits: int = 1) -> str:
    """A share in 0–1 as a percentage: ``0.503`` → ``'50.3%'``."""
    if _missing(share):
        return "n/a"
    return f"{100 * share:.{digits}f}%"


def text_table(columns: dict[str, list]) -> str:
    """Columns as a text table, laid out as ``DataFrame.to_string(index=False)`` lays them out: a
    header line, then one line per row, each column right-aligned to its widest cell, one space
    between columns; a column of integers keeps one more space before its name, for a sign.

    >>> print(text_table({"rank": ["1", ""], "name": ["Qwen", "no family"], "models": [25, 1]}))
    rank      name  models
       1      Qwen      25
         no family       1
    """
    texts, widths = [], []
    for name, cells in columns.items():
        numbers = bool(cells) and all(isinstance(c, int) and not isinstance(c, bool) for c in cells)
        texts.append([str(c) for c in cells])
        widths.append(max([len(name) + numbers, *map(len, texts[-1])]))
    lines = [" ".join(name.rjust(w) for name, w in zip(columns, widths))]
    lines += [" ".join(c.rjust(w) for c, w in zip(row, widths)) for row in zip(*texts)]
    return "\n".join(lines)


def table(frame, counts=(), shares=()):
    """A copy of ``frame`` with count and share columns formatted for display."""
    out = frame.copy()
    for c in counts:
        out[c] = out[c].map(count)
    for c in shares:
        out[c] = out[c].map(percent)
    return out
