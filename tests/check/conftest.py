"""Fixtures for the checker tests: notebooks written into tmp_path, and running `nbops check`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from nbfactory import write  # noqa: E402

from nbops.check import add_arguments, main  # noqa: E402


@pytest.fixture
def write_nb(tmp_path):
    """Write a notebook dict to tmp_path/<name> and return its path."""

    def writer(nb: dict, name: str = "nb.ipynb") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write(path, nb)

    return writer


@pytest.fixture
def run_check(capsys, tmp_path):
    """Run `nbops check ARGS` through main(); return (exit code, stdout, stderr)."""

    def runner(*argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="nbops check")
        add_arguments(parser)
        args = list(argv)
        if "--config" not in args:
            args += ["--config", str(_empty_pyproject(tmp_path))]
        code = main(parser.parse_args(args))
        out, err = capsys.readouterr()
        return code, out, err

    return runner


def _empty_pyproject(folder: Path) -> Path:
    path = folder / "pyproject.toml"
    if not path.exists():
        path.write_text("[project]\nname = 'sample'\n", encoding="utf-8")
    return path
