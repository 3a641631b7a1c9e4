"""Horizontal bar charts drawn on the server: ``bar_chart`` computes the geometry, ``render_svg``
(``chart.svg``) writes it out as SVG with every text escaped, and
``templates/reporting/statistics/_bar_chart.html`` puts it in a figure with its caption. The SVG is
written here rather than by the template: a chart of a scheme's years or of a call's counties has
hundreds of bars, and the template language took some 20 ms to write them (issue 16).

No JavaScript and no library. Every chart has a title and a description (``role="img"``,
``aria-labelledby``), says where the table with the same numbers is, writes each amount beside its
bar, and tells its series apart by pattern as well as colour (solid, hatched, dotted), each shown in
the legend. It scales to its container through its ``viewBox``.

Coordinates are Decimals rounded to a tenth, written as ``str`` writes them (``12.5``, never localised).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from portal.formats import NBSP, ZERO, kr

WIDTH = 760
LABEL_WIDTH = 210  # the row labels, right-aligned against the bars
VALUE_SPACE = 120  # room right of the longest bar for its amount
BAR_HEIGHT = 16
BAR_GAP = 3
ROW_GAP = 14
LEGEND_HEIGHT = 30
TOP = LEGEND_HEIGHT + 8
MAX_LABEL = 30  # characters; the table has the whole name
TENTH = Decimal("0.1")
TEXT_DROP = (BAR_HEIGHT * Decimal("0.75")).quantize(TENTH)  # an amount's baseline below its bar's top

# Dark colours with at least 7:1 contrast against white; the second and third series also differ by
# their pattern, so that a reader who cannot tell the colours apart still can.
STYLES = (
    {"colour": "#1d4f91", "pattern": "solid"},
    {"colour": "#8a3b00", "pattern": "hatch"},
    {"colour": "#1b5e20", "pattern": "dots"},
)


def count(value) -> str:
    """A count as Norwegians write it: 1 250."""
    return f"{int(value):,}".replace(",", NBSP)


@dataclass(frozen=True)
class Series:
    key: str  # the attribute or dict key of each item that holds the value
    label: str


@dataclass(frozen=True)
class Style:
    index: int
    colour: str
    pattern: str  # solid, hatch or dots
    fill: str  # the colour, or url(#pattern-id)
    pattern_id: str


@dataclass(slots=True)  # not frozen: a chart has hundreds, and a frozen one is slower to make
class Bar:
    series: str
    value: Decimal
    text: str
    style: Style
    x: Decimal
    y: Decimal
    width: Decimal
    height: int
    text_x: Decimal
    text_y: Decimal


@dataclass(slots=True)
class Row:
    label: str
    full_label: str
    label_y: Decimal
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class LegendItem:
    label: str
    style: Style
    x: Decimal
    text_x: Decimal


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    table_id: str  # the table that holds the same numbers
    width: int
    height: int
    axis_x: int
    axis_top: int
    axis_bottom: int
    label_x: int
    legend: tuple[LegendItem, ...]
    legend_y: int
    styles: tuple[Style, ...]
    rows: tuple[Row, ...]

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"

    @property
    def note_id(self) -> str:
        return f"{self.id}-note"

    @property
    def patterns(self) -> tuple[Style, ...]:
        return tuple(style for style in self.styles if style.pattern != "solid")

    @property
    def svg(self) -> SafeString:
        return render_svg(self)


def _tenth(value) -> Decimal:
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def _short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _value(item, key: str) -> Decimal:
    value = item[key] if isinstance(item, dict) else getattr(item, key)
    return Decimal(value or 0)


def _styles(chart_id: str, count: int) -> tuple[Style, ...]:
    return tuple(
        Style(
            index=i,
            colour=STYLES[i]["colour"],
            pattern=STYLES[i]["pattern"],
            fill=STYLES[i]["colour"] if STYLES[i]["pattern"] == "solid" else f"url(#{chart_id}-pattern-{i})",
            pattern_id=f"{chart_id}-pattern-{i}",
        )
        for i in range(count)
    )


def _bars(y: int, series, row_values, styles, *, scale, label_width: int, fmt) -> tuple[Bar, ...]:
    """One row's bars, from the top ``y``; ``scale`` turns a value into a width."""
    bars = []
    x = Decimal(label_width)
    for i, (s, value) in enumerate(zip(series, row_values, strict=True)):
        top = Decimal(y + i * (BAR_HEIGHT + BAR_GAP))
        bar_width = scale(value)
        bars.append(
            Bar(
                series=s.label,
                value=value,
                text=fmt(value),
                style=styles[i],
                x=x,
                y=top,
                width=bar_width,
                height=BAR_HEIGHT,
                text_x=label_width + bar_width + 6,
                text_y=top + TEXT_DROP,
            )
        )
    return tuple(bars)


def _legend(series, styles) -> tuple[LegendItem, ...]:
    legend, x = [], 0
    for s, style in zip(series, styles, strict=True):
        legend.append(LegendItem(s.label, style, Decimal(x), Decimal(x + 24)))
        x += 24 + 8 * len(s.label) + 28
    return tuple(legend)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    table_id: str,
    items: Sequence,
    label: Callable[[object], str],
    series: Sequence[Series],
    fmt: Callable[[Decimal], str] = kr,
    width: int = WIDTH,
    label_width: int = LABEL_WIDTH,
) -> BarChart:
    """A horizontal bar chart of ``items`` (one row each, named by ``label(item)``) with one bar per
    series (one to three), scaled so that the largest value fills the bar area. A chart beside a
    table takes a smaller ``width`` (its text then stays readable in the narrower column)."""
    if not 1 <= len(series) <= len(STYLES):
        raise ValueError(f"a chart has 1 to {len(STYLES)} series, not {len(series)}")
    styles = _styles(chart_id, len(series))
    values = [[max(_value(item, s.key), ZERO) for s in series] for item in items]
    largest = max((v for row in values for v in row), default=ZERO)
    area = Decimal(width - label_width - VALUE_SPACE)

    def scale(value: Decimal) -> Decimal:
        return (area * value / largest).quantize(TENTH, rounding=ROUND_HALF_UP) if largest else ZERO

    row_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    rows, y = [], TOP
    for item, row_values in zip(items, values, strict=True):
        bars = _bars(y, series, row_values, styles, scale=scale, label_width=label_width, fmt=fmt)
        full = str(label(item))
        rows.append(Row(_short(full), full, _tenth(y + row_height / 2 + 4), bars))
        y += row_height + ROW_GAP
    height = max(y, TOP + ROW_GAP) + 4
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        table_id=table_id,
        width=width,
        height=height,
        axis_x=label_width,
        axis_top=TOP - 4,
        axis_bottom=height - 8,
        label_x=label_width - 8,
        legend=_legend(series, styles),
        legend_y=6,
        styles=styles,
        rows=tuple(rows),
    )


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT_COLOUR = "#212529"


def _pattern(style: Style) -> str:
    if style.pattern == "hatch":
        return (
            f'<pattern id="{escape(style.pattern_id)}" patternUnits="userSpaceOnUse" width="6" height="6" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{style.colour}" stroke-width="3"/></pattern>'
        )
    return (
        f'<pattern id="{escape(style.pattern_id)}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.7" fill="{style.colour}"/></pattern>'
    )


def render_svg(chart: BarChart) -> SafeString:
    """The chart as an ``<svg>`` element: its title and description (``role="img"``, labelled by
    both), the legend, the axis and, for each row, its label and each bar with its amount beside it
    and in its own ``<title>``."""
    paint = {
        style.index: f'fill="{escape(style.fill)}" stroke="{style.colour}" stroke-width="1.5"' for style in chart.styles
    }
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{escape(chart.title_id)} '
        f'{escape(chart.desc_id)}" aria-describedby="{escape(chart.note_id)}" viewBox="0 0 {chart.width} '
        f'{chart.height}" width="100%" preserveAspectRatio="xMinYMin meet" focusable="false" '
        f'font-family="{escape(FONT)}" font-size="13">',
        f'<title id="{escape(chart.title_id)}">{escape(chart.title)}</title>',
        f'<desc id="{escape(chart.desc_id)}">{escape(chart.description)}</desc>',
    ]
    if chart.patterns:
        out.append("<defs>" + "".join(_pattern(style) for style in chart.patterns) + "</defs>")
    out.append('<g class="chart-legend">')
    for item in chart.legend:
        out.append(
            f'<rect x="{item.x}" y="{chart.legend_y}" width="18" height="14" {paint[item.style.index]}/>'
            f'<text x="{item.text_x}" y="{chart.legend_y + 12}" fill="{TEXT_COLOUR}">{escape(item.label)}</text>'
        )
    out.append(
        f'</g><line x1="{chart.axis_x}" y1="{chart.axis_top}" x2="{chart.axis_x}" y2="{chart.axis_bottom}" '
        'stroke="#495057" stroke-width="1"/>'
    )
    for row in chart.rows:
        name = escape(row.full_label)
        out.append(
            f'<g class="chart-row">\n<text x="{chart.label_x}" y="{row.label_y}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}">{escape(row.label)}</text>'
        )
        for bar in row.bars:
            text = escape(bar.text)
            out.append(
                f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" {paint[bar.style.index]}>'
                f"<title>{name}, {escape(bar.series)}: {text}</title></rect>\n"
                f'<text x="{bar.text_x}" y="{bar.text_y}" fill="{TEXT_COLOUR}">{text}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("\n".join(out))  # noqa: S308 -- every text above is escaped
