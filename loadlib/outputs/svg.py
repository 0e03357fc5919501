"""Tiny inline SVG line charts for the HTML report (no JavaScript, no CDN).

>>> line_chart("rps", "Requests/s", [Line("rps", "#2563eb", [(0, 1.0), (1, 3.0)])])
'<svg ...'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 28, 30


@dataclass(frozen=True)
class Line:
    label: str
    color: str
    points: Sequence[tuple[float, float | None]]  # (x, y); None breaks the line
    dashed: bool = False


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * exp:
            return m * exp
    return 10 * exp


def line_chart(chart_id: str, title: str, lines: Sequence[Line], *,
               y_format: Callable[[float], str] = lambda v: f"{v:g}") -> str:
    """One SVG chart; ``chart_id`` lands in ``data-chart`` so tests and styles can find it."""
    xs = [x for line in lines for x, y in line.points if y is not None]
    ys = [y for line in lines for _, y in line.points if y is not None]
    head = (f'<svg class="chart" data-chart="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<text x="{LEFT}" y="16" class="chart-title">{escape(title)}</text>')
    if not xs:
        return head + f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no data</text></svg>'
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x1 = x0 + 1
    ymax = _nice_max(max(ys))
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return TOP + ph - (y / ymax) * ph

    parts = [head]
    for i in range(5):
        yv = ymax * i / 4
        yy = sy(yv)
        parts.append(f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{WIDTH - RIGHT}" y2="{yy:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 4}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{escape(y_format(yv))}</text>')
    for i in range(5):
        xv = x0 + (x1 - x0) * i / 4
        parts.append(f'<text x="{sx(xv):.1f}" y="{HEIGHT - 10}" text-anchor="middle" class="tick">{xv:.0f}s</text>')
    for line in lines:
        segments: list[list[str]] = [[]]
        for x, y in line.points:
            if y is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append(f"{sx(x):.1f},{sy(y):.1f}")
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        for seg in segments:
            if seg:
                parts.append(f'<polyline fill="none" stroke="{escape(line.color)}" stroke-width="2"{dash} '
                             f'points="{" ".join(seg)}"><title>{escape(line.label)}</title></polyline>')
    lx = max(LEFT + 16 + 7 * len(title), WIDTH // 2)
    for line in lines:
        parts.append(f'<rect x="{lx}" y="9" width="10" height="3" fill="{escape(line.color)}"/>'
                     f'<text x="{lx + 14}" y="14" class="legend">{escape(line.label)}</text>')
        lx += 24 + 7 * len(line.label)
    parts.append("</svg>")
    return "".join(parts)
