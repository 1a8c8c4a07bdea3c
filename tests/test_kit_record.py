"""nbops.kit.record and the package: results land in NBOPS_RUN_DIR; the package imports cheaply."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

import nbops.kit
from nbops.kit.models import make_preprocessor
from nbops.kit.record import (
    load_model,
    record_metrics,
    run_dir,
    save_figure,
    save_model,
)

pytestmark = pytest.mark.filterwarnings("error")

PENGUINS = Path(__file__).resolve().parents[1] / "data" / "penguins.csv"


@pytest.fixture
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runs" / "20260101-000000-classification"
    monkeypatch.setenv("NBOPS_RUN_DIR", str(folder))
    return folder


def test_record_metrics_merges_into_metrics_json(run_folder: Path) -> None:
    record_metrics({"accuracy": np.float64(0.75), "n_test": np.int64(20)})
    recorded = record_metrics({"accuracy": 0.8, "f1_macro": 0.7})
    on_disk = json.loads((run_folder / "metrics.json").read_text())
    assert on_disk == recorded == {"accuracy": 0.8, "f1_macro": 0.7, "n_test": 20}
    assert isinstance(on_disk["n_test"], int)
    assert list(on_disk) == sorted(on_disk)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param("0.9", TypeError, id="string"),
        pytest.param(True, TypeError, id="bool"),
        pytest.param(float("nan"), ValueError, id="nan"),
    ],
)
def test_record_metrics_rejects_non_numbers(run_folder: Path, value, error) -> None:
    with pytest.raises(error, match="accuracy"):
        record_metrics({"accuracy": value})
    assert not (run_folder / "metrics.json").exists()


def test_save_figure_writes_a_png_into_figures(run_folder: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    assert save_figure(fig, "roc_curve") is fig  # a cell's last line saves and shows it
    plt.close(fig)
    path = run_folder / "figures" / "roc_curve.png"
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="plain file name"):
        save_figure(fig, "../escape")
    with pytest.raises(ValueError, match="plain file name"):
        save_figure(fig)  # a figure of its own has no name to save under


def test_a_kit_plot_is_saved_under_its_own_name(run_folder: Path) -> None:
    from nbops.kit.data_plots import plot_histograms

    frame = pd.DataFrame({"a": [1.0, 2.0, 2.0, 3.0], "b": [0.0, 1.0, 1.0, 5.0]})
    save_figure(plot_histograms(frame, ["a", "b"]))
    saved = run_folder / "figures" / "numeric_distributions.png"
    assert saved.read_bytes().startswith(b"\x89PNG")


def test_run_dir_falls_back_to_runs_interactive(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NBOPS_RUN_DIR", raising=False)
    monkeypatch.setenv("NBOPS_PROJECT_ROOT", str(tmp_path))
    assert run_dir() == tmp_path / "runs" / "interactive"
    assert run_dir().is_dir()


@pytest.mark.slow
def test_save_model_round_trips_a_fitted_pipeline(run_folder: Path) -> None:
    frame = pd.read_csv(PENGUINS)
    X, y = frame.drop(columns="species"), frame["species"]
    pipeline = Pipeline(
        [
            (
                "preprocess",
                make_preprocessor(
                    ["bill_length_mm", "flipper_length_mm"], ["island", "sex"], max_categories=5
                ),
            ),
            ("classifier", RandomForestClassifier(n_estimators=5, random_state=0)),
        ]
    ).fit(X, y)
    path = save_model(pipeline)
    assert path == run_folder / "model.skops"
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), pipeline.predict(X))
    with pytest.raises(ValueError, match="sklearn.tree._tree.Tree"):
        load_model(path, trusted_modules=("numpy.",))


def test_every_exported_module_resolves_and_the_package_docstring_maps_it() -> None:
    files = Path(nbops.kit.__file__).parent.glob("*.py")
    assert nbops.kit.__all__ == sorted(path.stem for path in files if path.stem != "__init__")
    for name in nbops.kit.__all__:
        module = importlib.import_module(f"nbops.kit.{name}")
        assert module.__doc__ and f"`{name}`" in nbops.kit.__doc__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nbops.kit.nope  # noqa: B018


def test_importing_the_kit_does_not_import_pandas_or_sklearn() -> None:
    heavy = "{'pandas', 'sklearn', 'matplotlib'}"
    code = f"import sys, nbops.kit; print(sorted({heavy} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
