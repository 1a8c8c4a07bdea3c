"""A notebook's `# ` title and the paragraph under it, which states the notebook's purpose.

`nbops new` lists templates by the first sentence of that paragraph and retitles copies; the
model card opens with the title and the paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from nbops.notebook_file import cell_source

TITLE = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t]*$", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def title_and_intro(cells: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """The first markdown `# ` title and the first paragraph after it, on one line ('' if none)."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        text = cell_source(cell)
        match = TITLE.search(text)
        if match is None:
            continue
        paragraphs = [p for p in _PARAGRAPH_BREAK.split(text[match.end() :]) if p.strip()]
        return match["title"], " ".join(paragraphs[0].split()) if paragraphs else ""
    return "", ""


def set_title(cells: Iterable[Any], title: str) -> bool:
    """Replace the first markdown `# ` title with `title`; False when there is none."""
    for cell in cells:
        if cell.get("cell_type") == "markdown" and TITLE.search(cell_source(cell)):
            cell["source"] = TITLE.sub(lambda _: f"# {title}", cell_source(cell), count=1)
            return True
    return False
