"""Render a run as `report.html`: its summary first, then the executed notebook, code folded.

nbconvert's `lab` page, through `report.html.j2`: the summary of `nbops.run.summary` above the
notebook; each code cell's source folded in a <details> (one "show code" button opens them all);
each figure's alt text is its title; and no network request (nbconvert's default page loads
require.js, MathJax and mermaid from a CDN: left out, so the page works offline; a formula then
shows as its TeX source). nbconvert's import and its first rendering (templates, theme, lexers)
cost more than rendering itself, so `nbops run` calls `warm` while the kernel runs and the report
at the end reuses the warmed exporter.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.files import read_json_object, write_text_atomic
from nbops.project import RunFolder
from nbops.slow_imports import skip_unused

TEMPLATE = Path(__file__).with_name("report.html.j2")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)

CSS = """
.nbops-summary { max-width: 1100px; margin: 0 auto 1.5em; padding: 12px 16px;
  border: 1px solid #d0d7de; border-radius: 6px; background: #f6f8fa;
  font-family: system-ui, sans-serif; font-size: 14px; color: #1f2328; }
.nbops-title { font-size: 20px; margin: 0 0 6px; }
.nbops-id { font-weight: normal; color: #57606a; font-size: 15px; }
.nbops-badges { margin: 4px 0 10px; }
.nbops-badge { display: inline-block; padding: 2px 9px; margin: 2px 4px 2px 0;
  border-radius: 12px; font-weight: 600; font-size: 13px; border: 1px solid transparent; }
.nbops-good { background: #dafbe1; color: #116329; border-color: #4ac26b; }
.nbops-bad { background: #ffebe9; color: #a40e26; border-color: #ff8182; }
.nbops-warn { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.nbops-neutral { background: #eaeef2; color: #424a53; }
.nbops-grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.nbops-summary table { border-collapse: collapse; background: white; }
.nbops-summary caption { text-align: left; font-weight: 600; padding: 2px 0; }
.nbops-summary th, .nbops-summary td { border: 1px solid #d0d7de; padding: 3px 8px;
  text-align: left; vertical-align: top; }
.nbops-facts { max-width: 470px; }
.nbops-facts td { word-break: break-word; }
.nbops-metrics td { font-variant-numeric: tabular-nums; }
.nbops-counts, .nbops-links, .nbops-tools { margin: 8px 0 0; }
.nbops-findings { margin-top: 8px; }
.nbops-notebook-heading { max-width: 1100px; margin: 0 auto; font-family: system-ui, sans-serif;
  font-size: 16px; color: #57606a; }
details.nbops-code > summary { cursor: pointer; color: #57606a; font-size: 12px;
  font-family: system-ui, sans-serif; padding: 2px 0 2px 8px; }
#nbops-code-toggle { font-size: 13px; padding: 3px 10px; cursor: pointer; }
"""

JS = """
(function () {
  var button = document.getElementById('nbops-code-toggle');
  if (!button) { return; }
  button.addEventListener('click', function () {
    var open = button.getAttribute('aria-pressed') !== 'true';
    document.querySelectorAll('details.nbops-code').forEach(function (d) { d.open = open; });
    button.setAttribute('aria-pressed', open ? 'true' : 'false');
    button.textContent = open ? 'hide code' : 'show code';
  });
})();
"""


def render_report(
    run_dir: Path, record: Mapping[str, Any], outcome: Any = None
) -> tuple[Path, str]:
    """Write the run's report.html (summary, then the notebook); return it and its page title.
    `outcome` is the run's `nbops.verdicts.Outcome`, when the caller has read it already."""
    from nbops.run.summary import render_summary

    folder = RunFolder(run_dir)
    summary, outcome = render_summary(run_dir, record, outcome)
    name = Path(str(record.get("notebook") or folder.notebook)).stem
    title = f"{name} {outcome.run_id} — {outcome.verdict}"
    return render_html(folder.notebook, folder.report, title=title, summary=summary), title


def render_html(
    notebook_path: Path, html_path: Path, title: str | None = None, summary: str = ""
) -> Path:
    """Write `html_path`, the notebook rendered for reading, with `summary` (HTML) on top."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    titles = read_json_object(RunFolder(notebook_path.parent).figure_titles)
    resources = {
        "metadata": {"name": title or notebook_path.stem},
        "nbops_summary": summary,
        "nbops_css": CSS,
        "nbops_js": JS,
    }
    body, _resources = _exporter().from_notebook_node(
        with_alt_text(nb, titles), resources=resources
    )
    return write_text_atomic(html_path, body)


def with_alt_text(nb: Any, titles: Mapping[str, Any]) -> Any:
    """A copy of `nb` whose image outputs carry their figure's title as `nbops_alt` metadata:
    the titles of the figures `save_figure` saved while that cell ran, else the nearest heading
    above the cell."""
    nb = copy.deepcopy(nb)
    by_cell: dict[int, list[str]] = {}
    for name, entry in titles.items():
        entry = entry if isinstance(entry, Mapping) else {"title": entry}
        count = entry.get("execution_count")
        if isinstance(count, int):
            by_cell.setdefault(count, []).append(str(entry.get("title") or name))
    offset = _count_offset(nb, by_cell)
    heading = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = _HEADING.findall(cell.source)
            heading = found[-1] if found else heading
            continue
        if cell.cell_type != "code":
            continue
        saved = iter(by_cell.get((cell.get("execution_count") or 0) + offset, []))
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                alt = next(saved, None) or heading or "figure"
                output.setdefault("metadata", {})["nbops_alt"] = alt
    nb.metadata.pop("title", None)  # the page title is the run's, with its verdict
    return nb


def _count_offset(nb: Any, by_cell: Mapping[int, list[str]]) -> int:
    """How the kernel's count seen while a cell ran relates to the cell's In [n]: IPython has
    already counted the running cell (n + 1) in the versions we ship; older ones had not (n)."""
    counts = [
        cell.get("execution_count") or 0
        for cell in nb.cells
        if cell.cell_type == "code"
        and any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
    ]
    return max((1, 0), key=lambda offset: sum(count + offset in by_cell for count in counts))


def warm() -> None:
    """Import nbconvert and render a one-cell notebook, so the next report renders at full speed."""
    import nbformat

    cell = nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output("stream", text="1")])
    _exporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]), resources=_empty())


def _empty() -> dict[str, Any]:
    return {"nbops_summary": "", "nbops_css": "", "nbops_js": ""}


@functools.cache
def _exporter() -> Any:
    skip_unused()
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        template_file=str(TEMPLATE),
        require_js_url="",
        mathjax_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
        jquery_url="",
        jupyter_widgets_base_url="",
    )
