"""Optional imports that cost seconds on a run's path and that nothing nbops runs ever uses.

nbformat validates notebooks with jsonschema, and jsonschema's format module imports
`rfc3987_syntax` when it is installed (it is, for jupyter-events): that package builds a Lark
grammar for IRIs at import, about 1.5-2.5 s of CPU, paid by every process that reads a notebook
(papermill's child, the report renderer). No notebook schema checks an IRI format, so nbops'
own processes skip it: jsonschema then simply has no `iri` format checker.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)


def skip_unused() -> None:
    """Make the imports in UNUSED fail fast (ImportError) in this process, unless already done."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
