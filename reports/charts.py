"""Server-side SVG bar charts for the dashboards.

Readable without colour: every bar carries its value as text and the bars are hatched; each
chart has a <title>/<desc> text alternative and a table beside it on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sportloket.formatting import format_number

ROW_HEIGHT = 26
LABEL_WIDTH = 230
BAR_WIDTH = 300
WIDTH = LABEL_WIDTH + BAR_WIDTH + 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: int
    x: int
    width: int
    marker_x: int | None = None


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
    for index, (label, value) in enumerate(rows):
        width = round(BAR_WIDTH * value / peak) if value else 0
        x = LABEL_WIDTH + ((BAR_WIDTH - width) // 2 if centred else 0)
        marker = (markers or [None] * len(rows))[index]
        bars.append(
            Bar(
                label=label,
                value=value,
                text=(texts or [])[index] if texts else format_number(value),
                y=index * ROW_HEIGHT + 4,
                x=x,
                width=width,
                marker_x=LABEL_WIDTH + round(BAR_WIDTH * marker / peak) if marker else None,
            )
        )
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return BarChart(
        slug=slug,
        title=title,
        description=description,
        bars=bars,
        height=len(rows) * ROW_HEIGHT + 8,
    )
