"""The Makefile: one line per target, and every variable a user passes reaches nbops as data.

Each target is run by a real `make` with a stand-in `nbops` (BIN=...) that records its arguments,
so no kernel or server starts; one call goes through the real `nbops` to a notebook whose
parameters fail validation (exit 2 before any kernel).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

# the targets that pass user variables to nbops
TARGETS = [
    "new-notebook",
    "lab",
    "run-notebook",
    "sweep",
    "tune",
    "runs",
    "drift",
    "registry",
    "promote",
    "serve",
    "predict",
    "ui",
    "reproduce",
    "server",
    "sync",
]


def _user_variables() -> list[str]:
    """The variables the Makefile declares for users (its USER_VARS list)."""
    text = MAKEFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^USER_VARS := (.+)$", text, flags=re.MULTILINE)
    assert match, "the Makefile lists its user variables in USER_VARS"
    return match.group(1).split()


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """A BIN folder whose `nbops` writes its arguments to argv.json and exits $FAKE_EXIT."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "nbops"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"open({str(tmp_path / 'argv.json')!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        "sys.exit(int(os.environ.get('FAKE_EXIT', '0')))\n"
    )
    script.chmod(0o755)
    return folder


def _make(fake_bin: Path, *assignments: str, exit_code: int = 0) -> tuple[int, list[str]]:
    env = {**os.environ, "FAKE_EXIT": str(exit_code)}
    done = subprocess.run(
        ["make", "-s", "-o", ".venv/.nbops-synced", f"BIN={fake_bin}", *assignments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    argv_file = fake_bin.parent / "argv.json"
    argv = json.loads(argv_file.read_text()) if argv_file.exists() else []
    argv_file.unlink(missing_ok=True)
    return done.returncode, argv


def test_every_target_is_one_line() -> None:
    lines = MAKEFILE.read_text(encoding="utf-8").splitlines()
    long_targets = []
    for number, line in enumerate(lines):
        target = re.match(r"^([A-Za-z$(][^\s:=]*):(?!=)", line)
        if not target:
            continue
        recipe = []
        for following in lines[number + 1 :]:
            if not following.startswith("\t"):
                break
            recipe.append(following)
        if len(recipe) > 1 or any(step.endswith("\\") for step in recipe):
            long_targets.append(target.group(1))
    assert long_targets == []


@pytest.mark.parametrize("target", TARGETS)
def test_no_variable_is_expanded_by_make(target: str, fake_bin: Path, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    hostile = f"$(shell touch {canary}) x'; touch {canary}; echo \"$$(touch {canary})"
    variables = _user_variables()
    assert {"NB", "PARAMS", "PARAMS_FILE", "NAME", "GRID", "MODEL"} <= set(variables)
    code, argv = _make(fake_bin, target, *(f"{name}={hostile}" for name in variables))
    assert code == 0, f"make {target} failed"
    assert argv, f"make {target} did not call nbops"
    assert not canary.exists(), f"make {target} ran a command from a variable"
    if target not in ("runs", "registry"):  # runs takes none; registry splits ARGS into words
        assert hostile in argv


def test_variables_arrive_whole_as_arguments(fake_bin: Path) -> None:
    hostile = "x'; touch nothing; echo '"
    code, argv = _make(
        fake_bin, "run-notebook", "PARAMS=TITLE=Bob's model A=1", f"NAME={hostile}", "NB=a b.ipynb"
    )
    assert code == 0
    assert argv == ["run", "a b.ipynb", "--params", "TITLE=Bob's model A=1", "--name", hostile]
    _code, argv = _make(fake_bin, "predict", f"INPUT={hostile}", "OUTPUT=o.csv", "MODEL=m")
    assert argv == ["predict", "m", hostile, "o.csv"]
    _code, argv = _make(fake_bin, "drift", "REF=a b.csv", "CUR=c'd.csv")
    assert argv[:5] == ["run", "templates/drift.ipynb", "--set", "REFERENCE_PATH=a b.csv", "--set"]
    _code, argv = _make(fake_bin, "sweep", "GRID=A=1,2 B=x y,z", "PARAMS=C=3", "JOBS=1")
    assert argv == ["sweep", "templates/classification.ipynb", "--grid", "A=1,2 B=x y,z"] + [
        "--params",
        "C=3",
        "--jobs",
        "1",
    ]
    _code, argv = _make(fake_bin, "new-notebook")
    assert argv == ["new", "--list"]


def test_make_fails_when_nbops_does(fake_bin: Path) -> None:
    code, _argv = _make(fake_bin, "run-notebook", exit_code=2)
    assert code != 0


def test_a_hostile_value_reaches_the_real_nbops_as_a_bad_parameter(tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    notebook = (ROOT / "tests" / "notebooks" / "records_metrics.ipynb").relative_to(ROOT)
    done = subprocess.run(
        ["make", "-s", "run-notebook", f"NB={notebook}", f"PARAMS=NO_SUCH=$(shell touch {canary})"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "nbops: error:" in done.stderr and "NO_SUCH" in done.stderr
    assert not canary.exists()
