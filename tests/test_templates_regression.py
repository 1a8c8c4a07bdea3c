"""The regression template on a second dataset: sklearn diabetes plus a categorical column."""

from __future__ import annotations

import pytest
from sklearn.datasets import load_diabetes
from templates_support import run_template

COMMON = {"n_train", "n_test", "duplicate_rows", "split_overlap_rows"}
VALIDATION = {"val_rmse", "val_mae", "val_r2", "n_val"}


@pytest.mark.kernel
def test_regression_on_diabetes_with_a_categorical_column(tmp_path, capsys):
    frame = load_diabetes(as_frame=True).frame
    frame["sex"] = frame["sex"].gt(0).map({True: "group_a", False: "group_b"})
    frame.insert(0, "patient", [f"p{i:04d}" for i in range(len(frame))])
    path = tmp_path / "diabetes.csv"
    frame.to_csv(path, index=False)

    metrics, run = run_template(
        "regression",
        tmp_path / "runs",
        capsys,
        DATA_PATH=path,
        TARGET="target",
        DROP_COLUMNS="[patient]",
        MODEL="hist_gradient_boosting",
        N_ESTIMATORS=50,
        MAX_DEPTH=3,
    )

    headline = ("rmse", "mae", "r2")
    intervals = {f"{name}_ci_{bound}" for name in headline for bound in ("low", "high")}
    validation = {f"val_{name}" for name in headline} | {"n_val"}
    baselines = {f"baseline_{name}" for name in headline}
    assert set(metrics) == {*headline} | baselines | COMMON | intervals | validation
    assert metrics["n_val"] < metrics["n_train"] and metrics["val_rmse"] < metrics["baseline_rmse"]
    assert metrics["n_train"] + metrics["n_test"] == len(frame)
    assert metrics["duplicate_rows"] == 0 and metrics["split_overlap_rows"] == 0
    assert metrics["rmse"] < metrics["baseline_rmse"]
    assert 0.2 < metrics["r2"] < 1
    assert (run / "model.skops").is_file()
    figures = {path.stem for path in (run / "figures").glob("*.png")}
    assert {"residuals", "actual_vs_predicted", "residuals_by_feature"} <= figures
    assert "permutation_importance" in figures
