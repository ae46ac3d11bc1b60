"""Charts as inline SVG, drawn on the server: columns over time and ranked bars.

Each chart is a ``<figure>`` whose caption is visible, whose ``<svg role="img">`` carries a
title and a one-sentence summary for screen readers, every bar its exact value as a tooltip
(``<title>``), and whose numbers are also in a data table under a ``<details>``. Nothing in
a chart is script or a ``style`` attribute, so the page needs neither ``unsafe-inline`` nor
any JavaScript. Every text that reaches a chart is escaped here.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
TOP, BOTTOM, LEFT, RIGHT = 28, 30, 52, 12
TEXT = "#1f2328"
GRID = "#d0d7de"
MAX_X_LABELS = 12
LABEL_CHARS = 16


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value``: a round top for an axis.

    >>> nice_ceiling(0), nice_ceiling(7), nice_ceiling(23), nice_ceiling(410)
    (1, 10, 50, 500)
    """
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _steps(top: float) -> int:
    """Gridlines that fall on round values: 5 for a top of 1 or 5 × 10ⁿ, 4 for 2 × 10ⁿ."""
    return 4 if f"{top:g}".startswith("2") else 5


def _number(value: float) -> str:
    """1,234 for counts; up to two decimals for small fractions (0.25 s)."""
    if float(value).is_integer() or value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_chart(
    key: str,
    caption: str,
    labels: Sequence[str],
    series: Sequence[Series],
    summary: str,
    unit: str = "",
    short: Callable[[str], str] = str,
    height: int = 240,
    label_header: str = "周期",
) -> str:
    """Stacked columns, one per label (a period, a run), one colour per series; ``key`` names
    the chart uniquely on its page."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = max(slot * 0.7, 1)
    parts = [_legend(series)]
    steps = _steps(top)
    for step in range(steps + 1):
        value = top * step / steps
        y = TOP + plot_h - plot_h * step / steps
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{_number(value)}</text>'
        )
    every = math.ceil(len(labels) / MAX_X_LABELS) or 1
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - bar) / 2
        y = TOP + plot_h
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            tip = escape(f"{label} {s.name}：{_number(value)}{unit}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{s.color}"><title>{tip}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="12" fill="{TEXT}">{escape(short(label))}</text>'
            )
    rows = [[label, *(_number(s.values[i]) for s in series)] for i, label in enumerate(labels)]
    table = data_table([label_header, *(s.name for s in series)], rows)
    return _figure(key, caption, summary, height, "".join(parts), table)


def bar_chart(
    key: str,
    caption: str,
    items: Sequence[tuple[str, float]],
    summary: str,
    color: str,
    unit: str = "",
    threshold: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars, largest first as given; ``threshold`` draws a dashed line at a value
    (e.g. a veto count) with its label."""
    row_h, label_w, value_w = 26, 190, 56
    height = TOP + row_h * max(len(items), 1) + 8
    peak = max([v for _, v in items] + [threshold[0] if threshold else 0], default=0)
    top = nice_ceiling(peak)
    plot_w = WIDTH - label_w - value_w - RIGHT
    parts = []
    for i, (label, value) in enumerate(items):
        y = TOP + row_h * i
        w = plot_w * value / top
        tip = escape(f"{label}：{_number(value)}{unit}")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{escape(_short(label))}<title>{escape(label)}</title></text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
            f'fill="{color}"><title>{tip}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="12" '
            f'fill="{TEXT}">{_number(value)}</text>'
        )
    if not items:
        parts.append(f'<text x="{label_w}" y="{TOP + 17}" font-size="12" fill="{TEXT}">无</text>')
    if threshold is not None:
        x = label_w + plot_w * threshold[0] / top
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{height - 4}" stroke="#b3261e" '
            f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{TOP - 10}" text-anchor="middle" '
            f'font-size="12" fill="#b3261e">{escape(threshold[1])}</text>'
        )
    table = data_table(["名称", caption], [[label, _number(v)] for label, v in items])
    return _figure(key, caption, summary, height, "".join(parts), table)


def _legend(series: Sequence[Series]) -> str:
    parts, x = [], LEFT
    for s in series:
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{s.color}"/>'
            f'<text x="{x + 16}" y="16" font-size="12" fill="{TEXT}">{escape(s.name)}</text>'
        )
        x += 28 + 13 * len(s.name)
    return "".join(parts)


def _figure(key: str, caption: str, summary: str, height: int, body: str, table: str) -> str:
    return (
        f'<figure class="chart"><figcaption>{escape(caption)}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{key}-t {key}-d">'
        f'<title id="{key}-t">{escape(caption)}</title>'
        f'<desc id="{key}-d">{escape(summary)}</desc>{body}</svg>'
        f"<details><summary>数据表</summary>{table}</details></figure>"
    )


def data_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain table; every cell escaped."""
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
