"""summary.html: a sweep at a glance, one self-contained page (inline SVG plots, a few lines of
inline JavaScript to sort the table; nothing is fetched from the network).

Shows the sweep's status and best run, the metric against each swept parameter, for a study the
optimisation history and parameter importances, and a sortable table linking each run's report.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops.files import write_text_atomic
from nbops.sweep.summary import MAXIMIZE, Row, metric_names

_BEST, _OTHER, _FAILED = "#d1495b", "#2e86ab", "#999999"
STATUS_COLOURS = {"succeeded": "#2a9d8f", "failed": "#d1495b", "interrupted": "#e9c46a"}


@dataclass
class Page:
    """Everything summary.html shows."""

    title: str
    facts: dict[str, str]  # shown as a definition list under the title
    rows: list[Row]
    swept: list[str]
    metric: str | None
    direction: str
    best: Row | None
    history: list[tuple[int, float]] = field(default_factory=list)  # (trial, value)
    importances: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def write(path: Path, page: Page) -> None:
    """Render `page` into `path` atomically."""
    write_text_atomic(path, render(page))


def render(page: Page) -> str:
    """The page as one HTML string."""
    parts = [_head(page.title), f"<h1>{_e(page.title)}</h1>", _facts(page), _best(page)]
    parts += [f'<p class="note">{_e(note)}</p>' for note in page.notes]
    parts.append(_figures(page))
    parts.append(_table(page))
    parts.append(_SCRIPT + "</body></html>\n")
    return "\n".join(part for part in parts if part)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _head(title: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{_e(title)}</title><style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px 32px;color:#222}}
h1{{font-size:1.4em;margin:0 0 8px}} h2{{font-size:1.1em;margin:24px 0 8px}}
dl{{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:0}}
dt{{color:#666}} dd{{margin:0}} .note{{color:#8a5a00}}
.best{{background:#fdf3f4;border-left:4px solid {_BEST};padding:8px 12px;margin:16px 0}}
.figs{{display:flex;flex-wrap:wrap;gap:12px}} .figs figure{{margin:0;border:1px solid #eee}}
.figs figcaption{{font-size:.85em;color:#555;padding:2px 6px}}
table{{border-collapse:collapse;font-size:.9em;margin-top:8px}}
th,td{{border-bottom:1px solid #e4e4e4;padding:4px 10px;text-align:left;white-space:nowrap}}
th{{cursor:pointer;background:#f6f6f6;position:sticky;top:0;user-select:none}}
th:hover{{background:#ececec}}
th.asc::after{{content:" \\25B2"}} th.desc::after{{content:" \\25BC"}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}} td.err{{color:#a33;white-space:normal}}
tr.bestrow{{background:#fdf3f4}} .badge{{padding:1px 6px;border-radius:8px;color:#fff}}
</style></head><body>"""


def _badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#777")
    return f'<span class="badge" style="background:{colour}">{_e(status)}</span>'


def _facts(page: Page) -> str:
    items = "".join(
        f"<dt>{_e(k)}</dt><dd>{_badge(v) if k == 'status' else _e(v)}</dd>"
        for k, v in page.facts.items()
    )
    return f"<dl>{items}</dl>"


def _best(page: Page) -> str:
    best = page.best
    if best is None:
        return '<div class="best">No succeeded run recorded the metric: no best run.</div>'
    params = ", ".join(f"{_e(k)}={_e(_short(v))}" for k, v in best.params.items())
    value = best.value(page.metric)
    return (
        f'<div class="best">Best run (<b>{_e(page.metric)}</b> = {value:.6g}, {page.direction}): '
        f'<a href="../{_e(best.run_id)}/report.html">{_e(best.run_id)}</a> &middot; {params} '
        '&middot; parameters in <a href="best.yaml">best.yaml</a></div>'
    )


def _short(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else value


def _figures(page: Page) -> str:
    figures = []
    if page.metric:
        figures += [
            (_param_plot(page, name), f"{page.metric} against {name}") for name in page.swept
        ]
    if page.history:
        figures.append((_history_plot(page), "optimisation history"))
    if page.importances:
        figures.append((_importance_plot(page.importances), "parameter importances (fANOVA)"))
    if not figures:
        return ""
    body = "".join(
        f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>" for svg, caption in figures
    )
    return f'<h2>Plots</h2><div class="figs">{body}</div>'


def _figure(width: float = 4.2, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig: Any) -> str:
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"  # real text: smaller, selectable
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _param_plot(page: Page, name: str) -> str:
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure()
    rows = [row for row in page.rows if row.value(page.metric) is not None]
    values = [row.params.get(name) for row in rows]
    if values and all(_is_number(v) for v in values):
        xs = [float(v) for v in values]
        if all(isinstance(v, int) for v in values):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        labels = list(dict.fromkeys(str(v) for v in values))
        xs = [labels.index(str(v)) for v in values]
        ax.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 3 else 0)
        ax.set_xlim(-0.5, len(labels) - 0.5)
    colours = [_BEST if row is page.best else _OTHER for row in rows]
    ax.scatter(xs, [row.value(page.metric) for row in rows], c=colours, s=36, alpha=0.85)
    ax.set_xlabel(name)
    ax.set_ylabel(page.metric)
    ax.grid(alpha=0.3)
    return _svg(fig)


def _history_plot(page: Page) -> str:
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure(5.0, 3.0)
    trials = [t for t, _ in page.history]
    values = [v for _, v in page.history]
    better = max if page.direction == MAXIMIZE else min
    best_so_far = [better(values[: i + 1]) for i in range(len(values))]
    ax.scatter(trials, values, s=30, color=_OTHER, label="trial")
    ax.step(trials, best_so_far, where="post", color=_BEST, label="best so far")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial")
    ax.set_ylabel(page.metric)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return _svg(fig)


def _importance_plot(importances: Mapping[str, float]) -> str:
    ordered = sorted(importances.items(), key=lambda item: item[1])
    fig, ax = _figure(4.2, 0.6 + 0.45 * len(ordered))
    ax.barh([name for name, _ in ordered], [value for _, value in ordered], color=_OTHER)
    ax.set_xlabel("importance")
    ax.set_xlim(0, 1)
    return _svg(fig)


def _table(page: Page) -> str:
    metrics = metric_names(page.rows)
    extras = list(dict.fromkeys(key for row in page.rows for key in row.extra))
    head = ["run", "status", "duration (s)", *extras, *page.swept, *metrics, "error"]
    header = "".join(f"<th>{_e(name)}</th>" for name in head)
    body = "".join(_table_row(row, page, extras, metrics) for row in page.rows)
    return (
        f"<h2>Runs ({len(page.rows)})</h2><p class='hint'>Click a column to sort.</p>"
        f'<table id="runs"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'
    )


def _table_row(row: Row, page: Page, extras: list[str], metrics: list[str]) -> str:
    link = f'<a href="../{_e(row.run_id)}/report.html">{_e(row.run_id)}</a>' if row.run_id else "-"
    cells = [f"<td>{link}</td>", f'<td data-v="{_e(row.status)}">{_badge(row.status)}</td>']
    cells.append(_num(row.duration_s))
    cells += [_cell(row.extra.get(key)) for key in extras]
    cells += [_cell(row.params.get(name)) for name in page.swept]
    cells += [_num(row.metrics.get(name)) for name in metrics]
    cells.append(f'<td class="err">{_e(row.error or "")}</td>')
    css = ' class="bestrow"' if row is page.best else ""
    return f"<tr{css}>{''.join(cells)}</tr>"


def _num(value: Any) -> str:
    if not _is_number(value):
        return "<td></td>"
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f'<td class="num" data-v="{value}">{shown}</td>'


def _cell(value: Any) -> str:
    return _num(value) if _is_number(value) else f"<td>{_e(value)}</td>"


_SCRIPT = """<script>
(function () {
  const table = document.getElementById("runs");
  if (!table) return;
  const key = (td) => (td.dataset.v !== undefined ? td.dataset.v : td.textContent.trim());
  table.querySelectorAll("th").forEach((th, col) => {
    th.addEventListener("click", () => {
      const asc = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach((h) => h.classList.remove("asc", "desc"));
      th.classList.add(asc ? "asc" : "desc");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a.cells[col]), y = key(b.cells[col]);
        const nx = parseFloat(x), ny = parseFloat(y);
        const both = !isNaN(nx) && !isNaN(ny);
        if (x === "" || y === "") return x === "" ? 1 : -1;
        const order = both ? nx - ny : x.localeCompare(y);
        return asc ? order : -order;
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
})();
</script>"""
