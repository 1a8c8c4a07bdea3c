"""summary.html: a sweep at a glance, one self-contained page (inline SVG plots, a few lines of
inline JavaScript to sort the table; nothing is fetched from the network).

Leads with the answer: the best run, the score that chose it (in words), runs tied with it and
what the registry got. Then the ranking metric against each swept parameter, for a study the
optimisation history and parameter importances, and the runs table: the ranking metric and the
swept parameters first, columns that hold one value in every run folded into a line above it,
the table scrolling in its own box, each column sorted by its kind (id, date, number, text).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops.files import write_text_atomic
from nbops.sweep import plots
from nbops.sweep.summary import Row, metric_names

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
    selection: str = ""  # in words: which score chose the best run
    on_test_split: bool = False  # the ranking metric is a test-split score
    tied: list[Row] = field(default_factory=list)  # runs tied with the best
    tie_words: str = ""
    registration: str = ""  # what the registry got at the end

    def rank_with(self, metric: Any, ranking: Any) -> None:
        """Take the ranking metric's words and the ties of `ranking` (see sweep.selection)."""
        self.selection = metric.words()
        self.on_test_split = metric.on_test_split
        self.tied = list(ranking.tied)
        self.tie_words = ranking.words(metric.name)
        if metric.on_test_split:
            self.title = f"{self.title} [chosen on the test split]"


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
.best{{background:#fdf3f4;border-left:4px solid {plots.BEST};padding:8px 12px;margin:16px 0}}
.best p{{margin:4px 0}} .testsplit{{background:#d1495b;color:#fff;padding:6px 12px;font-weight:600}}
.figs{{display:flex;flex-wrap:wrap;gap:12px}} .figs figure{{margin:0;border:1px solid #eee}}
.figs figcaption{{font-size:.85em;color:#555;padding:2px 6px}}
.same{{color:#555;font-size:.9em;margin:4px 0}}
.scroll{{max-width:100%;max-height:70vh;overflow:auto;border:1px solid #e4e4e4}}
table{{border-collapse:collapse;font-size:.9em}}
th,td{{border-bottom:1px solid #e4e4e4;padding:4px 10px;text-align:left;white-space:nowrap}}
th{{cursor:pointer;background:#f6f6f6;position:sticky;top:0;user-select:none}}
th:hover{{background:#ececec}} th.rank{{background:#fbe3e6}}
th.asc::after{{content:" \\25B2"}} th.desc::after{{content:" \\25BC"}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}} td.err{{color:#a33;white-space:normal}}
tr.bestrow{{background:#fdf3f4}} tr.tiedrow{{background:#fff8e6}}
.badge{{padding:1px 6px;border-radius:8px;color:#fff}}
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
    banner = (
        '<div class="testsplit">Chosen on the TEST split (--allow-test-selection): '
        "the best run's test scores are optimistic.</div>"
        if page.on_test_split
        else ""
    )
    best = page.best
    if best is None:
        head = f"No succeeded run recorded {_e(page.metric)}: no best run."
    else:
        params = ", ".join(f"{_e(k)}={_e(_short(v))}" for k, v in best.params.items())
        value = best.value(page.metric)
        head = (
            f"Best run (<b>{_e(page.metric)}</b> = {value:.6g}, {page.direction}): "
            f'<a href="../{_e(best.run_id)}/report.html">{_e(best.run_id)}</a> &middot; {params} '
            '&middot; parameters in <a href="best.yaml">best.yaml</a>'
        )
    lines = [head, page.selection, page.tie_words.capitalize(), page.registration]
    body = "".join(f"<p>{line if i == 0 else _e(line)}</p>" for i, line in enumerate(lines) if line)
    return f'{banner}<div class="best">{body}</div>'


def _short(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else value


def _figures(page: Page) -> str:
    figures = []
    if page.metric:
        figures += [
            (
                plots.param_plot(page.rows, page.swept, name, page.metric, page.best),
                f"{page.metric} against {name}",
            )
            for name in page.swept
        ]
    if page.history:
        figures.append(
            (plots.history_plot(page.history, page.metric, page.direction), "optimisation history")
        )
    if page.importances:
        figures.append((plots.importance_plot(page.importances), "parameter importances (fANOVA)"))
    if not figures:
        return ""
    body = "".join(
        f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>" for svg, caption in figures
    )
    return f'<h2>Plots</h2><div class="figs">{body}</div>'


@dataclass(frozen=True)
class Column:
    """One column of the runs table: its heading, sort kind and how a row gives its value."""

    title: str
    kind: str  # id | date | num | text | status
    get: Any

    def value(self, row: Row) -> Any:
        return self.get(row)


def columns(page: Page) -> list[Column]:
    """The runs table's columns, ranking metric and swept parameters first."""
    metrics = [name for name in metric_names(page.rows) if name != page.metric]
    extras = list(dict.fromkeys(key for row in page.rows for key in row.extra))
    cols = [Column("run", "id", lambda row: row.run_id)]
    if page.metric:
        cols.append(Column(page.metric, "num", lambda row, m=page.metric: row.metrics.get(m)))
    cols += [Column(name, _kind(page.rows, name), _param(name)) for name in page.swept]
    cols += [Column(key, "num", lambda row, k=key: row.extra.get(k)) for key in extras]
    cols += [
        Column("status", "status", lambda row: row.status),
        Column("duration (s)", "num", lambda row: row.duration_s),
    ]
    cols += [Column(name, "num", lambda row, m=name: row.metrics.get(m)) for name in metrics]
    if any(row.error for row in page.rows):
        cols.append(Column("error", "text", lambda row: row.error or ""))
    return cols


def _param(name: str) -> Any:
    return lambda row: row.params.get(name)


def _kind(rows: list[Row], name: str) -> str:
    values = [row.params.get(name) for row in rows if row.params.get(name) is not None]
    return "num" if values and all(plots.is_number(v) for v in values) else "text"


def split_constant(page: Page, cols: list[Column]) -> tuple[list[Column], list[tuple[str, Any]]]:
    """The columns that vary, and (title, value) of those with one value in every row; the run,
    the ranking metric and the swept parameters always stay."""
    keep = {"run", page.metric, *page.swept}
    varying, constant = [], []
    for col in cols:
        values = {repr(col.value(row)) for row in page.rows}
        if col.title in keep or len(page.rows) < 2 or len(values) > 1:
            varying.append(col)
        else:
            constant.append((col.title, col.value(page.rows[0])))
    return varying, constant


def _table(page: Page) -> str:
    cols, constant = split_constant(page, columns(page))
    header = "".join(
        f'<th data-kind="{col.kind}"{" class=rank" if col.title == page.metric else ""}>'
        f"{_e(col.title)}</th>"
        for col in cols
    )
    body = "".join(_table_row(row, page, cols) for row in page.rows)
    same = ""
    if constant:
        shown = ", ".join(f"{_e(title)} = {_e(_short(value))}" for title, value in constant)
        same = f'<p class="same">Same in every run: {shown}</p>'
    return (
        f"<h2>Runs ({len(page.rows)})</h2>{same}<p class='hint'>Click a column to sort.</p>"
        f'<div class="scroll"><table id="runs"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _table_row(row: Row, page: Page, cols: list[Column]) -> str:
    cells = []
    for col in cols:
        value = col.value(row)
        if col.kind == "id":
            link = f'<a href="../{_e(value)}/report.html">{_e(value)}</a>' if value else "-"
            cells.append(f'<td data-v="{_e(value or "")}">{link}</td>')
        elif col.kind == "status":
            cells.append(f'<td data-v="{_e(value)}">{_badge(value)}</td>')
        elif col.title == "error":
            cells.append(f'<td class="err">{_e(value)}</td>')
        else:
            cells.append(_cell(value))
    css = ' class="bestrow"' if row is page.best else ""
    css = ' class="tiedrow"' if any(row is tied for tied in page.tied) else css
    return f"<tr{css}>{''.join(cells)}</tr>"


def _cell(value: Any) -> str:
    if value is None:
        return '<td data-v=""></td>'
    if not plots.is_number(value):
        return f'<td data-v="{_e(value)}">{_e(value)}</td>'
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f'<td class="num" data-v="{value!r}">{shown}</td>'


# Sorting by kind: numbers as numbers, ids and text in natural order (digit runs compared as
# numbers, so run ids sort by their UTC stamp), dates as times; empty cells always last.
_SCRIPT = """<script>
(function () {
  const table = document.getElementById("runs");
  if (!table) return;
  const text = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
  const key = (td) => (td.dataset.v !== undefined ? td.dataset.v : td.textContent.trim());
  const compare = {
    num: (x, y) => parseFloat(x) - parseFloat(y),
    date: (x, y) => Date.parse(x) - Date.parse(y),
  };
  table.querySelectorAll("th").forEach((th, col) => {
    th.addEventListener("click", () => {
      const asc = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach((h) => h.classList.remove("asc", "desc"));
      th.classList.add(asc ? "asc" : "desc");
      const order = compare[th.dataset.kind] || text.compare;
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a.cells[col]), y = key(b.cells[col]);
        if (x === "" || y === "") return (x === "") - (y === "");
        return asc ? order(x, y) : -order(x, y);
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
})();
</script>"""
