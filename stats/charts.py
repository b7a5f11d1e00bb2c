"""Charts drawn on the server as inline SVG: no JavaScript, no CDN (the product runs offline, and the CSP
forbids inline scripts). Every text is escaped through format_html."""

import datetime
import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#c8161d", "#0969da", "#1a7f37", "#9a6700", "#8250df"]


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return int(math.ceil(top))
    return value


def line_chart(axis: list[datetime.date], series: list[tuple[str, str, list[int]]], *, title: str) -> SafeString:
    """Monthly series as lines, one colour each, with a legend; the months run left to right."""
    width, height = 760, 260
    left, right, top, bottom = 44, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((max(values) for _n, _l, values in series if values), default=0))
    step = plot_w / max(len(axis) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: int) -> float:
        return round(top + plot_h - (v / peak) * plot_h, 1)

    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
            "<title>{}</title>",
            width,
            height,
            title,
            title,
        )
    ]
    for tick in range(5):
        value = peak * tick / 4
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#57606a">{}</text>',
                left,
                y(value),
                width - right,
                y(value),
                left - 6,
                round(y(value) + 4, 1),
                f"{value:g}",
            )
        )
    for i, month in enumerate(axis):
        label = month.strftime("%Y-%m") if i == 0 or month.month == 1 else month.strftime("%m")
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#57606a">{}</text>',
                x(i),
                top + plot_h + 16,
                label,
            )
        )
    for index, (_name, label, values) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(format_html('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>', colour, points))
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} {}: {}</title></circle>',
                ((x(i), y(v), colour, label, axis[i].strftime("%Y-%m"), v) for i, v in enumerate(values)),
            )
        )
        legend_x = left + index * 190
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12" fill="#1f2328">{}</text>',
                legend_x,
                height - 20,
                colour,
                legend_x + 18,
                height - 10,
                label,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def bar_chart(rows: list[tuple[str, list[int]]], legend: list[str], *, title: str) -> SafeString:
    """Horizontal grouped bars: one group per row (a commission), one bar per measure."""
    bar, gap, label_w, width = 12, 10, 150, 760
    group_h = bar * len(legend) + gap
    height = 30 + group_h * max(len(rows), 1) + 24
    peak = _nice_max(max((v for _l, values in rows for v in values), default=0))
    plot_w = width - label_w - 60
    parts = [
        format_html(
            '<svg class="chart bars" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
            "<title>{}</title>",
            width,
            height,
            title,
            title,
        )
    ]
    for index, name in enumerate(legend):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="14" font-size="12" fill="#1f2328">{}</text>',
                label_w + index * 150,
                colour,
                label_w + index * 150 + 18,
                name,
            )
        )
    for r, (label, values) in enumerate(rows):
        y0 = 30 + r * group_h
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#1f2328">{}</text>',
                label_w - 8,
                round(y0 + group_h / 2 + 4, 1),
                label,
            )
        )
        for index, value in enumerate(values):
            colour = COLOURS[index % len(COLOURS)]
            length = round(plot_w * value / peak, 1)
            y = y0 + index * bar
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} · {}: {}</title></rect>'
                    '<text x="{}" y="{}" font-size="10" fill="#57606a">{}</text>',
                    label_w,
                    y,
                    max(length, 0.5),
                    bar - 2,
                    colour,
                    label,
                    legend[index],
                    value,
                    label_w + length + 4,
                    y + bar - 3,
                    value,
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
