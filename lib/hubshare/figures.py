"""The one way charts are made: house style, family colours, footnote, PNG and SVG.

>>> fig, ax = new()                                                    # doctest: +SKIP
>>> shares_bar(ax, metrics.shares(snap, metrics.PRESETS["all-lineage-30d"]))   # doctest: +SKIP
>>> save(fig, "07-how-definitions-move-the-answer", "qwen-share", source="...", snapshot=snap)  # doctest: +SKIP

``save`` writes ``figures/NN-slug-NAME.png`` (200 dpi) and ``.svg`` with a footnote naming the
source, the snapshot date and the Definition, and ``NAME.csv``: the numbers drawn, after a first
line ``# `` and the footnote's text (read it with ``pandas.read_csv(path, comment="#")``). Every
drawing function returns those numbers as a DataFrame. Files carry no creation date or software
version, so a rerun on the same data writes byte-identical PNG and CSV files.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from . import fmt, paths

# One colour per family, the same in every chart. The eight largest families take the
# Okabe-Ito palette; the rest Paul Tol's "muted" palette; anything else is grey.
FAMILY_COLOURS = {
    "Qwen": "#0072B2", "Llama": "#E69F00", "DeepSeek": "#56B4E9", "Gemma": "#009E73", "Mistral": "#D55E00",
    "Phi": "#CC79A7", "gpt-oss": "#F0E442", "GLM": "#000000", "Nemotron": "#117733", "Kimi": "#882255",
    "MiniMax": "#44AA99", "Granite": "#332288", "OLMo": "#999933", "SmolLM": "#DDCC77", "Falcon": "#CC6677",
    "Yi": "#AA4499", "InternLM": "#88CCEE", "ERNIE": "#661100", "Hunyuan": "#6699CC", "Command": "#117777",
}
REGION_COLOURS = {"china": "#D55E00", "us": "#0072B2", "eu": "#009E73", "other": "#CC79A7", "unknown": "#999999"}
OTHER_COLOUR = "#BBBBBB"
HOLDS_COLOUR, FAILS_COLOUR, UNKNOWN_COLOUR = "#0072B2", "#D55E00", "#999999"


def colour(name: str) -> str:
    """The colour of a family or region; grey for anything else."""
    return FAMILY_COLOURS.get(name) or REGION_COLOURS.get(name) or OTHER_COLOUR


def use_style() -> None:
    """Make the house style the default for every later figure (titles, legends and ticks are
    styled when drawn, so the style must stay in force, not only while the axes are made)."""
    plt.style.use(str(paths.STYLE))


def new(nrows: int = 1, ncols: int = 1, *, width: float = 8.0, height: float = 4.5, **kw):
    """A figure and axes in the house style."""
    use_style()
    fig, ax = plt.subplots(nrows, ncols, figsize=(width, height), **kw)
    return fig, ax


# --------------------------------------------------------------------------- chart pieces


def hbars(ax, labels: Sequence[str], values: Sequence[float], *, colours: Sequence[str] | None = None,
          value_labels: Sequence[str] | None = None, xlabel: str = "", highlight: str | None = None) -> pd.DataFrame:
    """Horizontal bars, largest first at the top, each labelled with its value; each in its
    family's colour, or with ``highlight``, that one in its colour and the rest grey. Returns
    the bars: ``name`` and the value (named as the x axis)."""
    y = np.arange(len(labels))
    if colours is None:
        def one(lab):
            named = lab in FAMILY_COLOURS or lab in REGION_COLOURS
            return colour(lab) if highlight is None or (lab == highlight and named) else HOLDS_COLOUR if lab == highlight else OTHER_COLOUR

        colours = [one(str(lab)) for lab in labels]
    ax.barh(y, values, color=list(colours), edgecolor="#555555", linewidth=0.4)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    top = max([float(v) for v in values] + [0.0])
    for yi, v, text in zip(y, values, value_labels or [fmt.count(v) for v in values]):
        ax.text(float(v) + top * 0.01, yi, text, va="center", ha="left", fontsize=8.5, color="#333333")
    ax.set_xlim(0, top * 1.16 if top else 1)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt.tick))
    return pd.DataFrame({"name": [str(x) for x in labels], xlabel or "value": list(values)})


def shares_bar(ax, table, top: int = 10, *, title: str | None = None) -> pd.DataFrame:
    """The ``top`` families (or regions) of a ShareTable; the other families and the models with
    no family summed as "other"."""
    from .metrics import OTHER

    rows = table.rows
    named = rows[rows["name"] != OTHER].head(top)
    rest = rows["downloads"].sum() - named["downloads"].sum()
    labels = list(named["name"]) + ["other"]
    values = list(named["downloads"]) + [rest]
    shares = list(named["share"]) + [rest / table.total if table.total else 0.0]
    # "other" here is every other family, not the region of that name: grey.
    colours = [colour(str(n)) for n in named["name"]] + [OTHER_COLOUR]
    xlabel = f"downloads ({'30-day' if table.definition.metric == 'downloads_30d' else 'all-time'})"
    drawn = hbars(ax, labels, values, colours=colours, value_labels=[f"{fmt.count(v)}  ({fmt.percent(s)})" for v, s in zip(values, shares)],
                  xlabel=xlabel)
    if title:
        ax.set_title(title)
    return drawn.assign(share=shares)


def heatmap(ax, values: np.ndarray, rows: Sequence[str], cols: Sequence[str], *, text: Iterable[str] | None = None,
            vmin: float = 0.0, vmax: float = 1.0, cbar_label: str = "", percent: bool = True) -> pd.DataFrame:
    """A labelled heatmap (cividis, readable in grey) with each cell's value written in it; with
    ``percent``, values are shares 0–1 and the colour bar reads in percent. Returns one row per
    cell: ``row``, ``column`` and the value (named as the colour bar)."""
    import seaborn as sns

    values = np.asarray(values, dtype=float)
    labels = np.array(list(text) if text is not None else [fmt.percent(v) for v in values.ravel()], dtype=object).reshape(values.shape)
    sns.heatmap(pd.DataFrame(values, index=list(rows), columns=list(cols)), ax=ax, cmap="cividis", vmin=vmin, vmax=vmax,
                annot=labels, fmt="", annot_kws={"fontsize": 10}, linewidths=1, linecolor="white",
                cbar_kws={"label": cbar_label, "shrink": 0.85})
    for i, j in zip(*np.nonzero(np.isnan(values))):  # seaborn leaves an empty cell blank: say why
        ax.text(j + 0.5, i + 0.5, "n/a", ha="center", va="center", fontsize=10, color="#555555")
    if percent:
        ax.collections[0].colorbar.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.tick_params(length=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_yticklabels(ax.get_yticklabels(), rotation=0)
    return pd.DataFrame([{"row": r, "column": c, cbar_label or "value": values[i, j]}
                         for i, r in enumerate(rows) for j, c in enumerate(cols)])


def definitions_heatmap(ax, grid, metric: str = "downloads_30d", name: str = "Qwen") -> pd.DataFrame:
    """``name``'s share under each universe × attribution (a ``metrics.share_grid`` table) for
    one metric."""
    from . import metrics

    table = grid[grid["metric"] == metric].set_index(["universe", "attribution"])["share"]
    universes = [u for u in ("all", "llm", "atom") if u in table.index.get_level_values(0)]
    values = np.array([[table.get((u, a), np.nan) for a in metrics.ATTRIBUTIONS] for u in universes])
    drawn = heatmap(ax, values, [UNIVERSE_NAMES[u] for u in universes], [f"by {a}" for a in metrics.ATTRIBUTIONS], cbar_label=f"{name}'s share")
    return drawn.rename(columns={"row": "universe", "column": "attribution"})


UNIVERSE_NAMES = {"all": "all models", "llm": "language models", "atom": "ATOM's tracked list"}


def breakdown_bars(ax, table, *, highlight: Iterable[str] = (), xlabel: str = "30-day downloads") -> pd.DataFrame:
    """A ``metrics.breakdown`` table as bars with value and share; the values in ``highlight``
    drawn in blue, the rest grey (or all in light blue when nothing is highlighted)."""
    marked = set(highlight)
    colours = [("#0072B2" if v in marked else OTHER_COLOUR) if marked else "#56B4E9" for v in table["value"]]
    drawn = hbars(ax, list(table["value"]), list(table["downloads"]), colours=colours, xlabel=xlabel,
                  value_labels=[f"{fmt.count(d)}  ({fmt.percent(s)})" for d, s in zip(table["downloads"], table["share"])])
    return drawn.assign(share=list(table["share"]))


def concentration(ax, curve: np.ndarray, marks: Sequence[int] = (1, 10, 100)) -> pd.DataFrame:
    """The cumulative share of downloads by rank (``metrics.concentration``'s curve), on a log
    rank axis, with the top 1, 10 and 100 marked."""
    ranks = np.arange(1, len(curve) + 1)
    ax.plot(ranks, curve, color="#0072B2", linewidth=2)
    ax.set_xscale("log")
    # Ranks read as numbers (1, 10, 100, 1,000), not as powers of ten.
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("repos, ranked by 30-day downloads (log scale)")
    ax.set_ylabel("cumulative share of downloads")
    for k in (k for k in marks if k <= len(curve)):
        ax.plot([k], [curve[k - 1]], "o", color="#0072B2")
        ax.annotate(f"top {k}: {fmt.percent(curve[k - 1])}", (k, curve[k - 1]), textcoords="offset points", xytext=(6, -14), fontsize=9)
    return pd.DataFrame({"rank": ranks, "cumulative share of downloads": curve})


def paired_bars(ax, table, *, pair: tuple[str, str], labels: tuple[str, str], xlabel: str = "30-day downloads") -> pd.DataFrame:
    """Two bars per name (``table``: a ``name`` column and the two ``pair`` columns), the
    second hatched, each in the name's colour: the same families under two attributions, say."""
    import seaborn as sns

    long = pd.concat([pd.DataFrame({"name": table["name"], "value": table[col], "kind": label}) for col, label in zip(pair, labels)])
    sns.barplot(long, y="name", x="value", hue="kind", hue_order=list(labels), ax=ax, orient="h", edgecolor="#555555", linewidth=0.4,
                saturation=1)
    names = list(table["name"])
    for k, bar in enumerate(ax.patches[: 2 * len(names)]):
        second = k >= len(names)
        bar.set_facecolor(colour(names[k % len(names)]))
        bar.set_alpha(0.45 if second else 1.0)
        bar.set_hatch("///" if second else "")
    handles = [matplotlib.patches.Patch(facecolor=OTHER_COLOUR, edgecolor="#555555", label=labels[0]),
               matplotlib.patches.Patch(facecolor=OTHER_COLOUR, edgecolor="#555555", hatch="///", alpha=0.6, label=labels[1])]
    ax.legend(handles=handles, loc="lower right")
    ax.grid(axis="y", visible=False)
    ax.set_ylabel("")
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt.tick))
    return pd.DataFrame({"name": names, labels[0]: list(table[pair[0]]), labels[1]: list(table[pair[1]])})


def against_sum(ax, table, *, one: str, others: Sequence[str], xlabels: Sequence[str], ylabel: str = "30-day downloads") -> pd.DataFrame:
    """``one`` beside the stacked sum of ``others``, for each row of ``table`` (one group of bars
    per row, labelled by ``xlabels``)."""
    x = np.arange(len(table))
    ax.bar(x - 0.2, table[one], width=0.38, color=colour(one), label=one)
    bottom = np.zeros(len(table))
    for name in others:
        ax.bar(x + 0.2, table[name], width=0.38, bottom=bottom, color=colour(name), label=name)
        bottom = bottom + np.asarray(table[name], dtype=float)
    ax.set_xticks(x, list(xlabels))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt.tick))
    ax.set_ylabel(ylabel)
    ax.grid(axis="x", visible=False)
    ax.legend()
    return pd.DataFrame({"group": list(xlabels), one: list(table[one]), **{n: list(table[n]) for n in others},
                         " + ".join(others): [float(v) for v in bottom]})


def published_timeline(ax, pub, ids: Sequence[str], *, band: tuple[float, float], band_label: str, line: float, ylabel: str) -> pd.DataFrame:
    """Published figures (``ids`` of the published table, values in millions) on a date axis:
    circles for exact values, triangles for lower bounds ("more than"), a shaded band (the
    reading of a claim) and a dashed line at ``line``; each point is labelled with its value,
    publisher and date."""
    import matplotlib.dates as mdates

    from . import published

    ax.axhspan(*band, color="#0072B2", alpha=0.10, label=band_label)
    ax.axhline(line, color="#333333", linewidth=0.8, linestyle="--")
    dates, rows = [], []
    for fig_id in ids:
        row = pub.loc[fig_id]
        lower = row["bound"] == "lower"
        when = published.as_date(row["as_of"])
        dates.append(when)
        ax.plot(when, row["number"], marker="^" if lower else "o", markersize=10, color=FAILS_COLOUR if lower else HOLDS_COLOUR, linestyle="")
        who = f"{published.publisher(fig_id)}, {row['as_of']}"
        ax.annotate(f"{'more than ' if lower else ''}{fmt.millions(row['number'])}\n{who}", (when, row["number"]),
                    textcoords="offset points", xytext=(8, -22 if lower else 6), fontsize=8.5)
        rows.append({"figure": fig_id, "published by": published.publisher(fig_id), "as of": row["as_of"], "drawn at": when.isoformat(),
                     ylabel: row["number"], "bound": row["bound"]})

    ax.set_xlim(min(dates) - pd.Timedelta(days=25), max(dates) + pd.Timedelta(days=20))
    values = [pub.loc[i, "number"] for i in ids] + list(band) + [line]
    ax.set_ylim(min(values) * 0.85, max(values) * 1.12)
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left")
    return pd.DataFrame(rows)


MEASURED_COLOUR = "#56B4E9"


def share_checks(ax, result, measured=None, snapshot_label: str = "") -> pd.DataFrame:
    """A share claim's published checks as bars (grey where the universe is not a faithful reading,
    hatched where the figure is an upper bound), then the shares measured on a snapshot
    (``metrics.share_grid`` rows), against the 50% line."""
    from matplotlib.patches import Patch

    from . import metrics

    bars, kinds = [], []  # (label, value, colour, hatch), and what each bar is
    for c in result.checks:
        upper = c.upper_bound
        col = UNKNOWN_COLOUR if not c.faithful else HOLDS_COLOUR if c.holds else FAILS_COLOUR
        bars.append((("≤ " if upper else "") + c.universe, c.value, col, "///" if upper else ""))
        kinds.append("published upper bound" if upper else "published" if c.faithful else "published, not a faithful reading")
    for _, row in (measured.dropna(subset=["share"]).iterrows() if measured is not None else []):  # no bar for a share of nothing
        d = metrics.PRESETS[row["definition"]]
        bars.append((f"{snapshot_label}: {UNIVERSE_NAMES.get(d.universe, d.universe)}, by {d.attribution}", 100 * row["share"], MEASURED_COLOUR, ""))
        kinds.append(f"measured: {d.label}")
    y = np.arange(len(bars))
    ax.barh(y, [b[1] for b in bars], color=[b[2] for b in bars], hatch=[b[3] for b in bars], edgecolor="#555555", linewidth=0.4)
    ax.set_yticks(y, [textwrap.fill(b[0], 64) for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(50, color="#333333", linestyle="--", linewidth=1)
    ax.text(50.5, -0.6, "50%", fontsize=9)
    for yi, b in zip(y, bars):
        ax.text(b[1] + 0.8, yi, f"{b[1]:.1f}%", va="center", fontsize=8.5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})  # readable where it crosses the 50% line
    ax.set_xlim(0, 100)
    ax.set_xlabel("Qwen's share of downloads (%)")
    ax.grid(axis="y", visible=False)
    shown = {(b[2], b[3]) for b in bars}
    legend = [((UNKNOWN_COLOUR, ""), Patch(color=UNKNOWN_COLOUR, label="published, not a faithful reading of the claim")),
              ((HOLDS_COLOUR, ""), Patch(color=HOLDS_COLOUR, label="published: over 50%")),
              ((FAILS_COLOUR, ""), Patch(color=FAILS_COLOUR, label="published: not over 50%")),
              ((FAILS_COLOUR, "///"), Patch(facecolor=FAILS_COLOUR, hatch="///", edgecolor="#555555", label="published upper bound: not over 50%")),
              ((MEASURED_COLOUR, ""), Patch(color=MEASURED_COLOUR, label="measured on the snapshot"))]
    ax.legend(handles=[h for k, h in legend if k in shown], loc="upper center", bbox_to_anchor=(0.35, -0.1), ncols=2)
    return pd.DataFrame({"bar": [b[0] for b in bars], "Qwen's share of downloads (%)": [b[1] for b in bars], "kind": kinds})


def verdict_board(ax, results) -> pd.DataFrame:
    """One row per check of every claim: where the claim holds (blue circle) or fails (orange cross)."""
    rows = [(r.claim.id, c) for r in results for c in r.checks]
    y = np.arange(len(rows))
    for yi, (_, c) in zip(y, rows):
        marker, col = {True: ("o", HOLDS_COLOUR), False: ("X", FAILS_COLOUR)}.get(c.holds, ("s", UNKNOWN_COLOUR))
        if c.faithful:
            ax.scatter(0, yi, s=110, marker=marker, color=col, zorder=3)
        else:  # drawn hollow: it does not count for the verdict
            ax.scatter(0, yi, s=110, marker=marker, facecolors="none", edgecolors=UNKNOWN_COLOUR, linewidths=1.4, zorder=3)
        label = c.universe + ("" if c.faithful else " (not a faithful reading: not counted)")
        ax.text(0.25, yi, "\n".join(textwrap.wrap(label, 80)), va="center", fontsize=8.5, color="#222222" if c.faithful else "#777777")
    first = [k == 0 or rows[k - 1][0] != cid for k, (cid, _) in enumerate(rows)]
    ax.set_yticks(y, [cid if f else "" for f, (cid, _) in zip(first, rows)], fontweight="bold")
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(-0.3, 10)
    ax.set_xticks([])
    ax.set_ylim(len(rows) - 0.3, -0.7)  # top to bottom, with room for a wrapped last label
    ax.grid(False)
    ax.spines["bottom"].set_visible(False)
    for k in range(1, len(rows)):
        if rows[k][0] != rows[k - 1][0]:
            ax.axhline(k - 0.5, color="#cccccc", linewidth=0.8)
    verdicts = {r.claim.id: r.verdict_text for r in results}
    ax2 = ax.secondary_yaxis("right")
    ax2.set_yticks(y, [verdicts[cid] if f else "" for f, (cid, _) in zip(first, rows)])
    ax2.tick_params(length=0, labelsize=8.5)
    ax2.spines["right"].set_visible(False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", color=HOLDS_COLOUR, linestyle="", markersize=8, label="holds"),
               Line2D([], [], marker="X", color=FAILS_COLOUR, linestyle="", markersize=8, label="does not hold")]
    if any(c.holds is None and c.faithful for _, c in rows):
        handles.append(Line2D([], [], marker="s", color=UNKNOWN_COLOUR, linestyle="", markersize=8, label="cannot tell (a bound)"))
    handles.append(Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor=UNKNOWN_COLOUR, linestyle="", markersize=8,
                          label="unfaithful reading (not counted)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.45, 0.0), ncols=3 if len(handles) == 3 else 2)
    return pd.DataFrame([{"claim": cid, "reading": c.universe, "faithful": c.faithful,
                          "holds": {True: "holds", False: "does not hold"}.get(c.holds, "cannot tell"), "verdict": verdicts[cid]}
                         for cid, c in rows])


def board_names(results) -> list[tuple[str, list]]:
    """One verdict board per claim set (the claims of one source), as ``(name, results)``: the
    first set's board is ``verdicts``, the next ``verdicts-2`` and so on."""
    groups: dict[str, list] = {}
    for r in results:
        groups.setdefault(r.claim.whose.text, []).append(r)
    return [("verdicts" if k == 0 else f"verdicts-{k + 1}", group) for k, group in enumerate(groups.values())]


def verdict_boards(results, *, source: str | None = None) -> list[Saved]:
    """``verdict_board`` charted once per claim set, each titled with whose claims they are; the
    footnote names the published figures each set is judged against (or ``source``)."""
    from . import published

    out = []
    for name, group in board_names(results):
        ids = list(dict.fromkeys(i for r in group for i in r.claim.figure_ids))
        board_source = source or f"{published.sources(ids)}, judged by hubshare.claims"
        whose = group[0].claim.whose
        rows = sum(len(r.checks) for r in group)
        out.append(chart(verdict_board, group, name=name, height=max(3.0, 1.8 + 0.42 * rows), source=board_source,
                         title=f"Where each claim holds: {whose.who}, {whose.when}"))
    return out


def _month_dates(months, at: str = "middle") -> list:
    if at == "end":  # a value at a month's end is drawn on the next month's first day
        return [pd.Timestamp(f"{m}-01") + pd.offsets.MonthBegin(1) for m in months]
    return [pd.Timestamp(f"{m}-15") for m in months]


def month_lines(ax, table, *, log: bool = False, ylabel: str = "downloads", percent: bool = False, styles: dict | None = None,
                at: str = "middle") -> pd.DataFrame:
    """One line per column of ``table`` (months ``YYYY-MM`` as rows, drawn mid-month, or at the
    month's end with ``at="end"`` for cumulative values), in each family's or region's colour;
    columns that are not families cycle through the house palette with a dash pattern each, so
    lines stay apart without colour. A line equal to an earlier one is drawn with hollow markers
    and says so in the legend, so that neither hides the other. Returns the table drawn."""
    import matplotlib.dates as mdates

    x = _month_dates(table.index, at)
    dashes = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    for k, name in enumerate(table.columns):
        known = name in FAMILY_COLOURS or name in REGION_COLOURS
        style = (styles or {}).get(name, {})
        values = table[name].to_numpy(dtype=float)
        same = next((str(o) for o in table.columns[:k] if np.allclose(table[o].to_numpy(dtype=float), values, equal_nan=True)), None)
        if log:  # a month whose counters fell has no place on a log scale: left as a gap
            values = np.where(values > 0, values, np.nan)
        line, = ax.plot(x, values, marker=markers[k % len(markers)], markersize=8 if same else 4, linewidth=1.8 if not same else 1.2,
                        color=style.get("color", colour(name) if known else None),
                        linestyle=style.get("linestyle", "-" if known else dashes[k % 4]),
                        label=f"{name} (the same as {same})" if same else str(name), zorder=3 if same else 2)
        if same:
            line.set_markerfacecolor("none")
    if log:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        (lambda v, _p: f"{100 * v:.0f}%") if percent else fmt.tick))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_ylabel(ylabel + (" (log scale)" if log else ""))
    _legend(ax)
    return table.rename_axis("month").reset_index()


def _legend(ax) -> None:
    """The legend of a time chart: inside the axes for up to four entries, beside them (where it
    covers no line) for more."""
    n = len(ax.get_legend_handles_labels()[1])
    if n > 4:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), ncols=1)
    else:
        ax.legend(ncols=max(n, 1), loc="best")


SYNTHETIC_NOTE = "published figures are not drawn beside synthetic data: a real history sets them here"


def cumulative_lines(ax, curves, points=(), markers=(), synthetic: bool = False) -> pd.DataFrame:
    """Cumulative curves by month's end (log scale), published figures as diamonds, and dotted
    markers ``(month, label)`` for months a source names; on ``synthetic`` data, neither (a note
    says why). Returns the curves, then the published points and markers drawn."""
    drawn = month_lines(ax, curves, log=True, ylabel="cumulative downloads at the month's end", at="end")
    if synthetic:
        _synthetic_note(ax)
        return drawn
    if points:
        published_points(ax, points)
    for row, (month, label) in enumerate(markers):
        month_marker(ax, month, label, row)
    return _with_points(drawn, points, markers)


def share_lines(ax, table, points=(), threshold: float | None = 0.5, ylabel: str = "share of the month's downloads",
                synthetic: bool = False) -> pd.DataFrame:
    """Shares by month, one line per column, a dashed line at ``threshold`` and published shares
    as diamonds (not on ``synthetic`` data)."""
    drawn = month_lines(ax, table, percent=True, ylabel=ylabel)
    if threshold is not None:
        ax.axhline(threshold, color="#333333", linestyle="--", linewidth=0.8)
    if synthetic:
        _synthetic_note(ax)
        return drawn
    if points:
        published_points(ax, points, percent=True)
    return _with_points(drawn, points)


def _with_points(drawn: pd.DataFrame, points=(), markers=()) -> pd.DataFrame:
    """The lines drawn, then one row per published point (``published figure``, ``published
    value``) and per month marker (``marker``), each at its month."""
    extra = [{"month": m, "published figure": label, "published value": v} for m, v, label in points]
    extra += [{"month": m, "marker": label} for m, label in markers]
    return pd.concat([drawn, pd.DataFrame(extra)], ignore_index=True) if extra else drawn


def _synthetic_note(ax) -> None:
    # Under the month axis, which has no label of its own: it never covers a line.
    ax.set_xlabel(SYNTHETIC_NOTE, fontsize=8.5, color="#555555")


def published_points(ax, points, *, percent: bool = False, legend: str = "published figure (data/published/figures.csv)") -> None:
    """Published figures on a time axis: ``points`` are ``(month YYYY-MM, value, label)`` drawn
    as black diamonds mid-month (values in downloads, or shares 0–1 with ``percent``), each
    labelled with its value; the legend gets one entry."""
    for k, (month, value, label) in enumerate(points):
        x = _month_dates([month])[0]
        ax.plot([x], [value], marker="D", markersize=7, color="#000000", linestyle="", zorder=5, label=legend if k == 0 else None)
        shown = f"{100 * value:.1f}%" if percent else fmt.count(value)
        ax.annotate(f"{label}\n{shown}", (x, value), textcoords="offset points", xytext=(-8, -4), ha="right", va="top", fontsize=8)
    _legend(ax)


def month_marker(ax, month: str, label: str, row: int = 0) -> None:
    """A dotted vertical line at the middle of ``month``, labelled at the bottom of the axes
    (``row`` stacks labels of nearby markers)."""
    x = _month_dates([month])[0]
    ax.axvline(x, color="#555555", linestyle=":", linewidth=1)
    ax.annotate(label, (x, 0), xycoords=("data", "axes fraction"), xytext=(3, 4 + 11 * row), textcoords="offset points",
                fontsize=7.5, color="#333333")


# --------------------------------------------------------------------------- saving


@dataclass(frozen=True)
class Saved:
    """The files of one chart: the picture as PNG and SVG, and its numbers as CSV."""

    png: Path
    svg: Path
    csv: Path | None = None

    def __repr__(self) -> str:
        return f"saved {paths.relative(self.png)}, .svg" + (" and .csv (the numbers drawn)" if self.csv else "")


def write_csv(frame: pd.DataFrame, path: Path, first_line: str) -> Path:
    """The numbers of a chart as CSV: ``# first_line``, then the columns (line breaks in labels
    and column names as spaces; whole numbers without a decimal point), byte-stable."""
    out = frame.copy()
    out.columns = [" ".join(str(c).split()) for c in out.columns]
    for col in out.columns:
        values = out[col]
        if values.dtype == object:
            out[col] = values.map(lambda v: " ".join(v.split()) if isinstance(v, str) else v)
        elif values.dtype.kind == "f" and values.notna().any() and np.all(np.mod(values.dropna(), 1) == 0) and values.abs().max() < 2**53:
            out[col] = values.astype("Int64")
    text = out.to_csv(index=False, lineterminator="\n")
    path.write_text(f"# {' '.join(first_line.split())}\n{text}", encoding="utf-8")
    return path


def footnote_text(source: str, snapshot=None, definition=None, synthetic: bool = False, period: str | None = None,
                  attribution: str = "") -> str:
    """The footnote of a chart: synthetic-data warning, source, snapshot, period, Definition, and
    the notices the data's licences ask for (the snapshot's own and ``attribution``)."""
    parts = []
    if synthetic:
        parts.append("SYNTHETIC DATA generated by hubshare.synthetic, not the real Hub.")
    parts.append(f"Source: {source}.")
    if snapshot is not None:
        label = getattr(snapshot, "label", None)
        date = getattr(snapshot, "date", snapshot)
        sample = {"sample": " (a sample, not a census)", "subset": " (a subset of a census)"}.get(getattr(snapshot, "coverage", ""), "")
        parts.append(f"Snapshot: {label + ', ' if label and label != date else ''}{date}{sample}.")
    if period:
        parts.append(f"Period: {period}.")
    if definition is not None:
        parts.append(f"Definition: {getattr(definition, 'label', definition)}.")
    notices = [n for n in (getattr(snapshot, "attribution", ""), attribution) if n]
    if notices:
        parts.append("Data: " + "; ".join(notices) + ".")
    return " ".join(parts)


def save(fig, notebook: str, name: str, *, source: str, snapshot=None, definition=None, synthetic: bool = False,
         period: str | None = None, folder: Path | None = None, attribution: str = "", data: pd.DataFrame | None = None) -> Saved:
    """Add the footnote and write ``figures/{notebook}-{name}.png`` and ``.svg``, and with
    ``data`` (the numbers drawn) ``.csv``, whose first line is the footnote.

    ``notebook`` is the notebook's ``NN-slug``; ``source`` names where the numbers come from;
    ``snapshot`` (a Snapshot or a date), ``period`` (for published figures: the time they cover)
    and ``definition`` (a Definition or text) go in the footnote too.
    """
    folder = folder or paths.FIGURES
    folder.mkdir(parents=True, exist_ok=True)
    text = footnote_text(source, snapshot, definition, synthetic, period, attribution)
    width_in = fig.get_figwidth()
    lines = textwrap.wrap(text, int(width_in * 15))
    line_h = 0.16 / fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, line_h * (len(lines) + 0.6), 1, 1 - line_h * (len(lines) + 0.6)))
    fig.text(0.01, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=7.5, color="#555555", linespacing=1.3)
    base = folder / f"{notebook}-{name}"
    with matplotlib.rc_context({"svg.hashsalt": f"hubshare-{notebook}-{name}"}):
        fig.savefig(base.with_suffix(".png"), dpi=200, metadata={"Software": None})
        fig.savefig(base.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    csv = write_csv(data, base.with_suffix(".csv"), text) if data is not None else None
    return Saved(base.with_suffix(".png"), base.with_suffix(".svg"), csv)


_NOTEBOOK: list[str] = []  # the notebook ``setup_notebook`` was called from, for ``chart``


def chart(draw, *args, name: str, title: str, source: str, snapshot=None, definition=None, synthetic: bool = False,
          period: str | None = None, attribution: str = "", width: float = 8.0, height: float = 4.5, notebook: str | None = None,
          **kw) -> Saved:
    """One chart in one call: a figure in the house style, ``draw(ax, *args, **kw)``, the title
    (prefixed "SYNTHETIC: " for synthetic data, followed by what a sample or subset snapshot
    holds), the footnote, and the files ``figures/{notebook}-{name}`` .png, .svg and .csv (the
    numbers ``draw`` returns; ``notebook`` defaults to the one ``setup_notebook`` named).

    >>> chart(hbars, ["Qwen", "Llama"], [3e6, 1e6], name="bars", title="Two bars", source="example",
    ...       notebook="99-example", folder=None)                                 # doctest: +SKIP
    """
    notebook = notebook or (_NOTEBOOK[-1] if _NOTEBOOK else None)
    if not notebook:
        raise ValueError("chart needs notebook= (or setup_notebook(NOTEBOOK) first)")
    folder = kw.pop("folder", None)
    fig, ax = new(width=width, height=height)
    if synthetic and "synthetic" in inspect.signature(draw).parameters:  # it leaves out what only real data may carry
        kw["synthetic"] = True
    drawn = draw(ax, *args, **kw)
    if not isinstance(drawn, pd.DataFrame):
        raise TypeError(f"{getattr(draw, '__name__', draw)} returned no numbers: every chart's data is saved beside it")
    ax.set_title(("SYNTHETIC: " if synthetic and not title.startswith("SYNTHETIC") else "") + title + coverage_title(snapshot))
    return save(fig, notebook, name, source=source, snapshot=snapshot, definition=definition, synthetic=synthetic, period=period,
                folder=folder, attribution=attribution, data=drawn)


def coverage_title(snapshot) -> str:
    """What a title adds, on a line of its own, for a snapshot that is not a census:
    ``on a sample of 1,000 models``."""
    coverage = getattr(snapshot, "coverage", "")
    if coverage not in ("sample", "subset"):
        return ""
    return f"\non a {coverage} of {len(snapshot):,} models"


def setup_notebook(notebook: str | None = None) -> None:
    """Display settings every notebook shares: PNG figures inline, wide readable tables. With
    ``notebook`` (its ``NN-slug``), ``chart`` names the files after it."""
    import pandas as pd

    if notebook:
        _NOTEBOOK[:] = [notebook]
    use_style()
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.max_colwidth", 110)
    pd.set_option("display.width", 160)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        # Inline figures even when MPLBACKEND says Agg (as under make and pytest), so that the
        # notebooks show their charts wherever they run.
        shell.run_line_magic("matplotlib", "inline")
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
