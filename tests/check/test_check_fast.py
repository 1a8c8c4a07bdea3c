"""The checker stays fast: no heavy imports; the scikit-learn list is precomputed, in sync."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

from nbops.check import sklearn_seeds


def test_import_pulls_in_no_heavy_library():
    probe = (
        "import sys, nbops.check; nbops.check.all_rules(); "
        "from nbops.check.sklearn_seeds import seeded_callables; seeded_callables(); "
        "heavy = {'pandas', 'sklearn', 'numpy', 'mlflow', 'nbformat', 'papermill'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_sklearn_list_was_generated_from_the_installed_version():
    """Cheap guard (no scikit-learn import): bumping scikit-learn means regenerating the list."""
    header = sklearn_seeds.DATA_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith(f"# scikit-learn {version('scikit-learn')}:"), (
        "regenerate lib/nbops/check/data/sklearn_random_state.tsv: "
        "python -m nbops.check.sklearn_seeds"
    )


def test_sklearn_random_state_list_is_in_sync_with_the_installed_sklearn():
    """Introspection takes seconds, so the checker reads a committed file; this keeps it honest."""
    fresh = sklearn_seeds.render(sklearn_seeds.introspect())
    committed = sklearn_seeds.DATA_FILE.read_text(encoding="utf-8")
    assert committed == fresh, (
        "lib/nbops/check/data/sklearn_random_state.tsv is stale: "
        "regenerate it with `python -m nbops.check.sklearn_seeds`"
    )


def test_seeded_callables_know_estimators_splitters_and_functions():
    known = sklearn_seeds.seeded_callables()
    assert {"RandomForestClassifier", "KFold", "train_test_split", "resample"} <= set(known)
    assert known["KFold"].shuffle_default is False
    assert known["train_test_split"].shuffle_default is True
    assert "StandardScaler" not in known
