"""Server-side SVG bar charts for the dashboards.

Readable without colour: every bar carries its value as text and the bars are hatched; each
chart has a <title>/<desc> text alternative and a table beside it on the page. Labels are never
cut off: a long label wraps onto more lines (its row grows), and the drawing is as wide as its
longest value text. On a phone the drawing scales down; the table beside it carries every label
at full size.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from sportloket.formatting import format_number

ROW_HEIGHT = 26
LINE_HEIGHT = 14
LABEL_WIDTH = 230
# Characters of a label line that fit LABEL_WIDTH at 12px (Bootstrap's sans-serif stack).
LABEL_CHARS = 30
BAR_WIDTH = 300
# Room for the value text right of the longest bar: about 7px per character at 12px, bold.
CHAR_WIDTH = 7
MIN_TEXT_WIDTH = 70
WIDTH = LABEL_WIDTH + BAR_WIDTH + MIN_TEXT_WIDTH


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: int
    x: int
    width: int
    marker_x: int | None = None
    label_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class BarChart:
    slug: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def bar_chart(
    *,
    slug: str,
    title: str,
    rows: list[tuple[str, float]],
    texts: list[str] | None = None,
    centred: bool = False,
    markers: list[float | None] | None = None,
) -> BarChart:
    """Horizontal bars; ``centred`` draws a funnel, ``markers`` a norm line per bar."""
    peak = max([value for _, value in rows] + [m or 0 for m in markers or []] + [1])
    bars = []
    top = 0
    for index, (label, value) in enumerate(rows):
        width = round(BAR_WIDTH * value / peak) if value else 0
        x = LABEL_WIDTH + ((BAR_WIDTH - width) // 2 if centred else 0)
        marker = (markers or [None] * len(rows))[index]
        lines = tuple(textwrap.wrap(str(label), LABEL_CHARS, break_on_hyphens=False)) or ("",)
        bars.append(
            Bar(
                label=str(label),
                value=value,
                text=str((texts or [])[index]) if texts else format_number(value),
                y=top + 4,
                x=x,
                width=width,
                marker_x=LABEL_WIDTH + round(BAR_WIDTH * marker / peak) if marker else None,
                label_lines=lines,
            )
        )
        top += max(ROW_HEIGHT, len(lines) * LINE_HEIGHT + 12)
    longest_text = max([len(bar.text) for bar in bars] + [0])
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return BarChart(
        slug=slug,
        title=title,
        description=description,
        bars=bars,
        height=top + 8,
        width=LABEL_WIDTH + BAR_WIDTH + max(MIN_TEXT_WIDTH, longest_text * CHAR_WIDTH + 12),
    )
