"""The arithmetic a claim file writes: expressions over published figures, and text templates.

An expression is ordinary arithmetic over names: the figure names a claim file gives in
``[figures]`` (each stands for the figure's number, in its unit), the names it computes in
``[let]``, ``value`` (a reading's own value) and a few functions:

- ``round(x, digits)``, ``floor(x)``, ``min(a, b)``, ``max(a, b)``, ``abs(x)``;
- ``as_of(f)``: figure ``f``'s as-of date as published; ``text(f)``: its value as published
  (words, for a comparison);
- ``shortest_months(a, b)`` and ``longest_months(a, b)``: the span between two figures' as-of
  dates in months, at its shortest and longest (a month as-of date can mean any of its days).

Comparisons, ``and``/``or``/``not`` and ``X if condition else Y`` work as in Python; nothing else
does (no attribute access, no other calls), so a claim file can only compute.

A template is text with ``{expression}`` or ``{expression:format}`` fields. The format is
Python's (``.1f``, ``g``, ``.0%``) or ``M`` for a number in millions written as the tables do
(``942.1M``, ``1,150M``).

>>> names = {"q": 942.1, "total": 2040.0}
>>> render("{q:M} / {total:M} = {100 * q / total:.1f}%", names)
'942.1M / 2,040M = 46.2%'
>>> evaluate("'over' if q > total / 2 else 'under'", names)
'under'
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from .. import fmt
from .. import published as published_figures

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_COMPARE = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Eq: operator.eq,
            ast.NotEq: operator.ne}
FUNCTIONS: dict[str, Callable[..., Any]] = {"round": round, "floor": math.floor, "min": min, "max": max, "abs": abs}
FIGURE_FUNCTIONS = ("as_of", "text", "shortest_months", "longest_months")
"""Functions whose arguments are figure names (the figure itself, not its number)."""

_DAYS_PER_MONTH = 365.25 / 12


class FormulaError(ValueError):
    """An expression or template that does not parse, or names what is not defined."""


class Figure:
    """A published figure as an expression sees it: its number, as-of date and published words."""

    def __init__(self, fig_id: str, number: float | None, as_of: str, value: str, bound: str):
        self.id, self.number, self.as_of, self.value, self.bound = fig_id, number, as_of, value, bound


def month_span(start: str, end: str) -> tuple[float, float]:
    """Shortest and longest span in months between two as-of dates of day or month precision.

    >>> [round(x, 2) for x in month_span("2026-01-13", "2026-03")]
    [1.54, 2.53]
    """
    s0, s1 = published_figures.date_bounds(start)
    e0, e1 = published_figures.date_bounds(end)
    return max((e0 - s1).days, 1) / _DAYS_PER_MONTH, (e1 - s0).days / _DAYS_PER_MONTH


def parse(text: str) -> ast.expr:
    """The expression's tree; ``FormulaError`` for anything outside the small language above."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"{text!r} is not an expression ({exc.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in (*FUNCTIONS, *FIGURE_FUNCTIONS) or node.keywords:
                raise FormulaError(f"{text!r} calls what is not allowed (functions: {', '.join((*FUNCTIONS, *FIGURE_FUNCTIONS))})")
        elif not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Constant, ast.Name, ast.Load,
                                   ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, *_BINARY, *_COMPARE)):
            raise FormulaError(f"{text!r} uses {type(node).__name__}, which a claim's arithmetic does not allow")
    return tree


def names_in(text: str) -> list[str]:
    """The names an expression reads, in order of first use (function names left out)."""
    tree = parse(text)
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = sorted((n.col_offset, n.id) for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls)
    return list(dict.fromkeys(name for _, name in found))


def evaluate(text: str, names: Mapping[str, Any]) -> Any:
    """The value of an expression; a ``Figure`` name stands for its number."""
    return _eval(parse(text), names, text)


def _eval(node: ast.expr, names: Mapping[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise FormulaError(f"{text!r} names {node.id!r}, which is not defined (defined: {', '.join(names) or 'nothing'})")
        v = names[node.id]
        if isinstance(v, Figure):
            if v.number is None:
                raise FormulaError(f"{text!r}: figure {v.id} is not a number ({v.value!r}); use text({node.id})")
            return v.number
        return v
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, names, text), _eval(node.right, names, text)
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise FormulaError(f"{text!r} divides by zero") from None
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, names, text)
        return -v if isinstance(node.op, ast.USub) else (not v if isinstance(node.op, ast.Not) else v)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names, text)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, names, text)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, names, text) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, names, text) else node.orelse, names, text)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    name = node.func.id
    if name in FIGURE_FUNCTIONS:
        figs = [_figure(a, names, text, name) for a in node.args]
        if name == "as_of":
            return figs[0].as_of
        if name == "text":
            return figs[0].value
        if len(figs) != 2:
            raise FormulaError(f"{text!r}: {name} takes two figures")
        shortest, longest = month_span(figs[0].as_of, figs[1].as_of)
        return shortest if name == "shortest_months" else longest
    return FUNCTIONS[name](*(_eval(a, names, text) for a in node.args))


def _figure(node: ast.expr, names: Mapping[str, Any], text: str, function: str) -> Figure:
    v = names.get(node.id) if isinstance(node, ast.Name) else None
    if not isinstance(v, Figure):
        raise FormulaError(f"{text!r}: {function}() takes a figure name from [figures]")
    return v


_FIELD = re.compile(r"\{([^{}]+)\}")


def fields(template: str) -> list[tuple[str, str]]:
    """Each ``{expression:format}`` field of a template as ``(expression, format)``."""
    out = []
    for m in _FIELD.finditer(template):
        expr, colon, spec = m.group(1).rpartition(":")
        # A colon belongs to a format only when what follows it looks like one.
        if colon and re.fullmatch(r"M|[<>^=]?[+\- ]?#?0?\d*,?(\.\d+)?[bcdeEfFgGnosxX%]?", spec):
            out.append((expr, spec))
        else:
            out.append((m.group(1), ""))
    return out


def check_template(template: str) -> list[str]:
    """The names a template reads; ``FormulaError`` if a field does not parse or a format is wrong."""
    out: list[str] = []
    for expr, _ in fields(template):
        out += names_in(expr)
    return list(dict.fromkeys(out))


def render(template: str, names: Mapping[str, Any]) -> str:
    """The template with every field computed and formatted."""
    parts = iter(fields(template))

    def one(_m: re.Match) -> str:
        expr, spec = next(parts)
        v = evaluate(expr, names)
        if spec == "M":
            return fmt.millions(v)
        try:
            return format(v, spec)
        except (ValueError, TypeError):
            raise FormulaError(f"{{{expr}:{spec}}}: format {spec!r} does not suit {v!r}") from None

    return _FIELD.sub(one, template)
