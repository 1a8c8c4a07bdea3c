"""The evaluation template on a generated table whose segments differ, and with a trained model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from templates_support import run_template

from nbops.kit.metrics import fairness_gaps, segment_metrics

ROWS = 900


def segmented_table(seed: int = 0) -> pd.DataFrame:
    """Labels follow x1 + x2, with much more label noise in region 'south'."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "east", "south"], size=ROWS)
    x1, x2 = rng.normal(size=ROWS), rng.normal(size=ROWS)
    noise = np.where(region == "south", 2.0, 0.2) * rng.normal(size=ROWS)
    label = np.where(x1 + x2 + noise > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "region": region, "approved": label})


def test_gaps_compare_only_reliable_segments():
    y_true = pd.Series(["a", "a", "b", "b", "a", "b"])
    y_pred = ["a", "a", "b", "a", "b", "b"]
    segments = pd.Series(["g1", "g1", "g1", "g2", "g2", "small"])
    table = segment_metrics(y_true, y_pred, segments, positive="a", min_rows=2)
    assert table.index.tolist() == ["g2", "g1", "small"]  # worst first
    assert table.loc["g1", "accuracy"] == 1 and table.loc["g2", "accuracy"] == 0
    assert not table.loc["small", "reliable"]
    gaps = fairness_gaps(table)
    assert gaps["accuracy_gap"] == 1 and gaps["worst_segment_accuracy"] == 0
    assert gaps["selection_rate_gap"] == pytest.approx(2 / 3 - 1 / 2)
    assert gaps["n_segments"] == 3


@pytest.mark.kernel
def test_evaluation_finds_the_noisy_segment(tmp_path, capsys):
    path = tmp_path / "loans.csv"
    segmented_table().to_csv(path, index=False)
    metrics, run = run_template(
        "evaluation",
        tmp_path / "runs",
        capsys,
        DATA_PATH=path,
        TARGET="approved",
        SEGMENT_COLUMN="region",
        POSITIVE_CLASS="yes",
        MODEL="logistic_regression",
    )
    assert metrics["n_segments"] == 3
    assert metrics["accuracy_gap"] > 0.1
    assert metrics["worst_segment_accuracy"] < metrics["accuracy"]
    assert 0 <= metrics["ece"] <= 1 and 0 <= metrics["brier_score"] <= 1
    assert "roc_auc" in metrics and metrics["n_test"] == ROWS // 5
    assert {"segment_metrics", "calibration"} <= {p.stem for p in (run / "figures").glob("*.png")}


@pytest.mark.kernel
def test_evaluation_loads_the_model_a_classification_run_saved(tmp_path, capsys):
    path = tmp_path / "loans.csv"
    segmented_table(seed=1).to_csv(path, index=False)
    data = {"DATA_PATH": path, "TARGET": "approved"}
    trained, training_run = run_template(
        "classification", tmp_path / "runs", capsys, **data, MODEL="random_forest"
    )
    evaluated, _ = run_template(
        "evaluation",
        tmp_path / "runs",
        capsys,
        **data,
        SEGMENT_COLUMN="region",
        POSITIVE_CLASS="yes",
        MODEL_URI=training_run,
        MODEL="random_forest",  # ignored: the model comes from MODEL_URI
    )
    # The same split and the same model: the evaluation reproduces the training run's scores.
    for name in ("accuracy", "f1_macro", "roc_auc", "n_test"):
        assert evaluated[name] == pytest.approx(trained[name]), name
