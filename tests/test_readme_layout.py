"""The README's layout section names every module and package of lib/nbops, one line each,
and nothing that is not there: a module added or removed without a line fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "nbops"
ENTRY = re.compile(r"^(?P<indent>  +)(?P<name>[\w.]+/?)\s+\S")


def layout_entries() -> dict[str, int]:
    """Each lib/nbops entry of the README layout block (`run/runner`...) and its count."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    lines = block.split("lib/nbops/", 1)[1].splitlines()[1:]
    entries: dict[str, int] = {}
    parent = ""
    for line in lines:
        if not line.startswith(" "):
            break  # the next top-level folder
        match = ENTRY.match(line)
        assert match is not None, f"one line per module: {line.strip()!r} continues an entry"
        name = match["name"]
        if len(match["indent"]) == 2:
            parent = name if name.endswith("/") else ""
            key = name
        else:
            key = parent + name
        entries[key] = entries.get(key, 0) + 1
    return entries


def tree() -> set[str]:
    """The modules and packages of lib/nbops, and the modules of run/ (which the layout expands)."""
    names = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__main__"}
    names |= {f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    names |= {p.name for p in PACKAGE.glob("*.cfg")}
    names |= {f"run/{p.stem}" for p in (PACKAGE / "run").glob("*.py") if p.stem != "__init__"}
    return names


def test_the_layout_section_lists_every_module_once_and_nothing_else():
    entries = layout_entries()
    assert sorted(name for name, count in entries.items() if count > 1) == []
    assert sorted(tree() - set(entries)) == [], "modules missing from the README's layout"
    assert sorted(set(entries) - tree()) == [], "README layout names modules that do not exist"
