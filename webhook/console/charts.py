"""Server-rendered SVG charts for the console: grouped columns (questions per day), horizontal
bars (top topics, regions) and a sparkline.

No JavaScript and nothing from a CDN: the console must work offline on a tablet. Each chart is
one inline <svg> that scales with its card (viewBox, width 100%), carries a <title> and a <desc>
that states the numbers for screen readers, and a <title> per bar, which browsers show as a
tooltip. Every label is escaped here (record titles are content from outside), and the result
is marked safe for Jinja only after that.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

PALETTE = ("#0b6e4f", "#7cc4a4", "#d9822b", "#52606d")
EMPTY = "暂无数据"
FONT = 16
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def nice_max(value: float) -> float:
    """The axis top: the smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _fmt(value: float) -> str:
    """Coordinates with two decimals at most: compact and stable for tests."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(ident: str, width: int, height: int, title: str, desc: str, css: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" role="img" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMidYMid meet" aria-labelledby="{ident}-title {ident}-desc" '
            f'font-size="{FONT}">',
            f'<title id="{ident}-title">{escape(title)}</title>', f'<desc id="{ident}-desc">{escape(desc)}</desc>']


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _empty(parts: list[str], width: int, height: int) -> Markup:
    parts.append(_text(width / 2, height / 2, EMPTY, "middle", ' fill="#52606d" class="empty"'))
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(labels: Sequence[str], series: Sequence[Series], title: str, desc: str = "", *,
                 unit: str = "", width: int = 640, height: int = 300, ident: str | None = None) -> Markup:
    """Grouped columns, one group per label (a day), one colour per series, with a legend."""
    ident = ident or f"chart{next(_ids)}"
    totals = "；".join(f"{s.name}共 {_num(sum(s.values))}{unit}" for s in series)
    parts = _open(ident, width, height, title, desc or f"{title}：{totals}", "columns")
    top = nice_max(max((v for s in series for v in s.values), default=0))
    left, right, upper, lower = 36, 4, 40, 30
    plot_w, plot_h = width - left - right, height - upper - lower
    parts += _legend(series, left, 22)
    steps = next(n for n in (5, 4, 2, 1) if float(top / n).is_integer() or n == 1)  # whole-number ticks
    for tick in range(steps + 1):
        value = top * tick / steps
        y = upper + plot_h - plot_h * tick / steps
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="#d9e2ec"/>')
        parts.append(_text(left - 6, y + 5, _num(value), "end", ' fill="#52606d" font-size="14"'))
    if not labels or not any(v for s in series for v in s.values):
        return _empty(parts, width, height)
    group = plot_w / len(labels)
    bar = group * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            h = plot_h * value / top
            parts.append(f'<rect class="bar" data-series="{j}" data-value="{_num(value)}" x="{_fmt(x0 + bar * j)}" '
                         f'y="{_fmt(upper + plot_h - h)}" width="{_fmt(bar - 1)}" height="{_fmt(h)}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(f"{label} {s.name} {_num(value)}{unit}")}'
                         f'</title></rect>')
        step = max(1, math.ceil(len(labels) / 16))  # thin the axis labels on long ranges
        if i % step == 0:
            parts.append(_text(x0 + group * 0.4, height - lower + 21, label, "middle", ' font-size="14"'))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for j, s in enumerate(series):
        parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(y - 13)}" width="14" height="14" fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(_text(x + 20, y, s.name))
        x += 20 + FONT * len(s.name) + 24
    return parts


def horizontal_bars(items: Sequence[tuple[str, float]], title: str, desc: str = "", *, unit: str = "",
                    width: int = 520, label_chars: int = 12, ident: str | None = None) -> Markup:
    """One row per item, longest bar = largest value; labels cut to `label_chars` (full in the tooltip)."""
    ident = ident or f"chart{next(_ids)}"
    row, label_w, value_w = 40, FONT * label_chars + 12, 56
    height = max(len(items), 1) * row + 8
    listing = "；".join(f"{label} {_num(value)}{unit}" for label, value in items)
    parts = _open(ident, width, height, title, desc or f"{title}：{listing or EMPTY}", "hbars")
    if not items or not any(value for _, value in items):
        return _empty(parts, width, height)
    top = max(value for _, value in items)
    span = width - label_w - value_w
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = span * value / top
        parts.append(f'<g class="row"><title>{escape(f"{label}：{_num(value)}{unit}")}</title>')
        parts.append(_text(label_w - 10, y + row / 2 + 6, _shorten(label, label_chars), "end"))
        parts.append(f'<rect class="bar" data-value="{_num(value)}" x="{label_w}" y="{_fmt(y + 8)}" width="{_fmt(w)}" '
                     f'height="{row - 16}" rx="3" fill="{PALETTE[0]}"/>')
        parts.append(_text(label_w + w + 8, y + row / 2 + 6, f"{_num(value)}{unit}", "start", ' font-weight="700"'))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[float], title: str, *, width: int = 160, height: int = 40,
              ident: str | None = None) -> Markup:
    """A small trend line with the last point marked; flat at the bottom when all are zero."""
    ident = ident or f"chart{next(_ids)}"
    parts = _open(ident, width, height, title, f"{title}：{'、'.join(_num(v) for v in values) or EMPTY}", "sparkline")
    if not values:
        parts.append("</svg>")
        return Markup("".join(parts))
    top, pad = nice_max(max(values)), 4
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [(pad + step * i, height - pad - (height - 2 * pad) * v / top) for i, v in enumerate(values)]
    path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
    parts.append(f'<polyline points={quoteattr(path)} fill="none" stroke="{PALETTE[0]}" stroke-width="2.5" '
                 f'stroke-linejoin="round"/>')
    x, y = points[-1]
    parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5" fill="{PALETTE[0]}"/></svg>')
    return Markup("".join(parts))
