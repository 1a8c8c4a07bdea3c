"""index.html: every run and sweep on one self-contained page (inline CSS, inline JavaScript,
the entries embedded as JSON; no server, no network request; figures are the run folders' own
files, linked relatively).

Entry keys (short: a page of 10,000 runs stays a few MB): id, k kind (run | sweep | tune),
nb notebook, name, t started (ISO), d duration (s), s status, v verdict words, b badges
[[label, css]], h headline metric name, m metrics, p parameters that differ from the notebook's
defaults, f figure names, r/c report and model card present, sw the sweep of a run; a sweep adds
best (its best run), reg (what the registry got) and sel (which score chose the best run).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def render(entries: Sequence[str], defaults: Mapping[str, Any], *, title: str) -> str:
    """The page as one HTML string; `entries` are the entries' JSON texts (with `</` escaped)."""
    rest = json.dumps(
        {"defaults": defaults, "generated": datetime.now(UTC).isoformat(timespec="seconds")},
        separators=(",", ":"),
        default=str,
    ).replace("</", "<\\/")
    data = '{"entries":[' + ",".join(entries) + "]," + rest[1:]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_asset('gallery.css')}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{_CONTROLS}"
        f'<script id="data" type="application/json">{data}</script>'
        f"<script>{_asset('gallery.js')}</script>"
        "</body></html>\n"
    )


_CONTROLS = """<div class="bar">
<label>notebook <select id="nb"><option value="">all</option></select></label>
<label>status <select id="st"><option value="">all</option></select></label>
<label>kind <select id="kd"><option value="">runs and sweeps</option><option>run</option>
<option>sweep</option><option>tune</option></select></label>
<input id="q" type="search" placeholder="filter: id, name, verdict, parameter..." size="34">
<button id="cmp" disabled>compare 0 of 2</button><span id="count"></span></div>
<div class="scroll" id="scroll"><table id="runs"><thead></thead><tbody></tbody></table></div>
<div id="compare" hidden></div>"""


@cache
def _asset(name: str) -> str:
    """The page's stylesheet or script (lib/nbops/gallery/gallery.css, gallery.js), inlined."""
    return (HERE / name).read_text(encoding="utf-8")
