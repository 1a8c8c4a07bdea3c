"""The one notebook reader: every way a file can fail to be a notebook is one NotebookError
that names the file, and `nbops run`, `nbops check` and `nbops sweep` all say the same."""

from __future__ import annotations

import json

import pytest

from nbops.cli import main
from nbops.errors import NotebookError
from nbops.notebook_file import cell_source, read_notebook


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "cannot read: notebook not found", id="missing"),
        pytest.param("{not json", "not a notebook: invalid JSON", id="invalid-json"),
        pytest.param("[1, 2]", "not a notebook: no 'cells' list", id="json-not-a-notebook"),
        pytest.param(b"\xff\xfe{", "cannot read", id="not-utf8"),
        pytest.param('{"nbformat": 3, "cells": []}', "upgrade it to nbformat 4", id="nbformat-3"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_named_with_the_reason(tmp_path, content, expected):
    path = tmp_path / "broken.ipynb"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(NotebookError, match=expected) as raised:
        read_notebook(path)
    assert str(raised.value).startswith(f"{path}: ")


def test_a_notebook_reads_as_its_json_and_sources_join(tmp_path):
    path = tmp_path / "nb.ipynb"
    cells = [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}, {"cell_type": "markdown"}]
    path.write_text(json.dumps({"nbformat": 4, "cells": cells}), encoding="utf-8")
    nb = read_notebook(path)
    assert [cell_source(cell) for cell in nb["cells"]] == ["a = 1\nb = 2", ""]
    assert cell_source({"source": "x = 1"}) == "x = 1"


@pytest.mark.parametrize("command", ["run", "check", "sweep"])
def test_every_command_gives_the_same_one_line_error(tmp_path, capsys, command):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json", encoding="utf-8")
    argv = [command, str(path)]
    if command != "check":
        argv += ["--runs-dir", str(tmp_path / "runs")]
    if command == "sweep":
        argv += ["--grid", "A=1,2"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"nbops: error: {path}: not a notebook: invalid JSON")
        and err.count("\n") == 1
    )
    assert not (tmp_path / "runs").exists()
