"""Charts as inline SVG, drawn on the server: they need no script, no library and no internet,
print as they look, and every mark carries a <title> with its exact figure. Colours come from the
page's CSS variables (light and dark alike); the table beside each chart holds the numbers.
"""

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

ROW_HEIGHT = 22
LABEL_WIDTH = 190


def _svg(width, height, body, title):
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def _nice_max(value):
    """A round axis maximum at or above `value`."""
    if not value or value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def human_seconds(value):
    if value is None:
        return "—"
    value = float(value)
    if value < 90:
        return f"{value:.0f} s"
    if value < 3600:
        minutes, secs = divmod(round(value), 60)
        return f"{minutes}m{secs:02d}"
    hours, rest = divmod(round(value), 3600)
    return f"{hours}h{rest // 60:02d}"


def _short(text, length=27):
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def heatmap(table):
    """Weekday rows × 24 hour columns, darker for more calls."""
    cell_w, cell_h, left, top = 26, 20, 44, 18
    peak = max((row[f"h{h:02d}"] for row in table.rows for h in range(24)), default=0) or 1
    parts = []
    for hour in range(0, 24, 3):
        parts.append(f'<text class="axis" x="{left + hour * cell_w + cell_w / 2}" y="12" text-anchor="middle">{hour:02d}</text>')
    for index, row in enumerate(table.rows):
        y = top + index * cell_h
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + cell_h * 0.7}" text-anchor="end">{escape(row["label"])}</text>')
        for hour in range(24):
            count = row[f"h{hour:02d}"]
            opacity = 0.06 if count == 0 else 0.18 + 0.82 * count / peak
            tip = _("%(day)s %(hour)02d:00–%(hour)02d:59: %(count)s calls") % {"day": row["label"], "hour": hour, "count": count}
            parts.append(
                f'<rect class="hm" x="{left + hour * cell_w + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'rx="2" fill-opacity="{opacity:.2f}"><title>{escape(tip)}</title></rect>'
            )
    width, height = left + 24 * cell_w + 4, top + len(table.rows) * cell_h + 4
    return _svg(width, height, "".join(parts), table.title)


def line(rows, x_key, series, title):
    """One line per (key, label, css class) of `series` over the rows, in order."""
    width, height, left, right, top, bottom = 720, 200, 40, 10, 10, 26
    peak = _nice_max(max((row[key] for row in rows for key, _l, _c in series), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(rows) - 1, 1)
    parts = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{peak * fraction:g}</text>')
    if rows:
        for index in sorted({0, len(rows) // 2, len(rows) - 1}):
            parts.append(f'<text class="axis" x="{left + index * step:.1f}" y="{height - 8}" text-anchor="middle">{escape(rows[index][x_key])}</text>')
    for key, label, css in series:
        points = " ".join(f"{left + i * step:.1f},{top + plot_h * (1 - row[key] / peak):.1f}" for i, row in enumerate(rows))
        parts.append(f'<polyline class="series {css}" fill="none" points="{points}"><title>{escape(label)}</title></polyline>')
        for i, row in enumerate(rows):
            if len(rows) <= 62:
                tip = f"{row[x_key]} · {label}: {row[key]}"
                parts.append(
                    f'<circle class="dot {css}" cx="{left + i * step:.1f}" cy="{top + plot_h * (1 - row[key] / peak):.1f}" r="2.5">'
                    f"<title>{escape(tip)}</title></circle>"
                )
    return _svg(width, height, "".join(parts), title)


def hbars(rows, series, title, *, label_key="label", target=None, percent=False, limit=16):
    """Horizontal bars, one group per row, one bar per (key, label, css class) of `series`;
    `target` draws a dashed line at that value (seconds or percent)."""
    rows = rows[:limit]
    bar_h = 9 if len(series) > 1 else 14
    group_h = max(ROW_HEIGHT, bar_h * len(series) + 8)
    width, left, right, top = 720, LABEL_WIDTH, 70, 6
    values = [row[key] for row in rows for key, _l, _c in series if row[key] is not None]
    peak = 100 if percent else _nice_max(max(values + ([target] if target else []), default=0))
    plot_w = width - left - right
    parts = []
    for index, row in enumerate(rows):
        y = top + index * group_h
        parts.append(f'<text class="axis label" x="{left - 6}" y="{y + group_h / 2 + 4}" text-anchor="end">{escape(_short(row[label_key]))}</text>')
        for position, (key, label, css) in enumerate(series):
            value = row[key]
            bar_y = y + 4 + position * bar_h
            shown = "—" if value is None else (f"{value:g} %" if percent else human_seconds(value) if key.endswith("_s") else f"{value:g}")
            length = 0 if value is None else plot_w * min(value, peak) / peak
            tip = f"{row[label_key]} · {label}: {shown}"
            parts.append(
                f'<rect class="bar {css}" x="{left}" y="{bar_y}" width="{length:.1f}" height="{bar_h - 2}" rx="1">'
                f"<title>{escape(tip)}</title></rect>"
                f'<text class="value" x="{left + length + 4:.1f}" y="{bar_y + bar_h - 3}">{escape(shown)}</text>'
            )
    height = top + len(rows) * group_h + 6
    if target:
        x = left + plot_w * min(target, peak) / peak
        shown = f"{target:g} %" if percent else human_seconds(target)
        parts.append(f'<line class="target" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}"><title>{escape(_("target") + ": " + shown)}</title></line>')
    if not rows:
        parts.append(f'<text class="axis" x="{width / 2}" y="20" text-anchor="middle">{escape(_("No data in this period."))}</text>')
        height = 30
    return _svg(width, height, "".join(parts), title)


def columns(rows, series, title, *, label_key="label"):
    """Vertical stacked columns, one per row (e.g. per hour), stacked by `series`."""
    width, height, left, top, bottom = 720, 190, 40, 8, 22
    plot_h = height - top - bottom
    slot = (width - left - 6) / max(len(rows), 1)
    peak = _nice_max(max((sum(row[key] for key, _l, _c in series) for row in rows), default=0))
    parts = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{peak * fraction:g}</text>')
    for index, row in enumerate(rows):
        x, base = left + index * slot, top + plot_h
        for key, label, css in series:
            value = row[key]
            h = plot_h * value / peak
            base -= h
            parts.append(
                f'<rect class="bar {css}" x="{x + 2:.1f}" y="{base:.1f}" width="{slot - 4:.1f}" height="{h:.1f}">'
                f"<title>{escape(f'{row[label_key]} · {label}: {value}')}</title></rect>"
            )
        if index % 3 == 0:
            parts.append(f'<text class="axis" x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(row[label_key])}</text>')
    return _svg(width, height, "".join(parts), title)
