"""Registry, batch prediction and REST serving against a real MLflow store and server.

The store is filled in-process with the kit's own helpers, as a notebook opened interactively
would: two trainings of a small pipeline on the penguins table, one passing its gate.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import psutil
import pytest

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]
MODEL = "penguins"
# the module's store is built once (two models logged): its tests share one xdist worker
pytestmark = pytest.mark.xdist_group("registry-store")
TARGET = "species"


def fit_pipeline(frame: pd.DataFrame, n_estimators: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = frame.drop(columns=[TARGET]), frame[TARGET]
    numeric = [c for c in X if pd.api.types.is_numeric_dtype(X[c])]
    categorical = [c for c in X if c not in numeric]
    encode = Pipeline(
        [("impute", SimpleImputer(strategy="most_frequent")), ("one_hot", OneHotEncoder())]
    )
    preprocess = ColumnTransformer(
        [("numeric", SimpleImputer(), numeric), ("categorical", encode, categorical)]
    )
    forest = RandomForestClassifier(n_estimators=n_estimators, random_state=0)
    return Pipeline([("preprocess", preprocess), ("classifier", forest)]).fit(X, y)


@pytest.fixture(scope="module")
def store(tmp_path_factory, empty_mlflow_store):
    """A store with model `penguins`: v1 (5 trees, gate passed, @challenger), v2 (gate failed)."""
    import shutil

    import mlflow

    from nbops.kit.tracking import log_model, register_if_passes

    folder = tmp_path_factory.mktemp("registry")
    shutil.copy(empty_mlflow_store, folder / "mlflow.db")
    uri = f"sqlite:///{(folder / 'mlflow.db').as_posix()}"
    frame = pd.read_csv(ROOT / "data" / "penguins.csv").dropna(subset=[TARGET])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NBOPS_TRACKING", "on")
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        pipelines = {}
        for trees, threshold in ((5, 0.5), (10, 1.5)):
            pipeline = fit_pipeline(frame, trees)
            info = log_model(pipeline, frame.drop(columns=[TARGET]), experiment_name="registry")
            mlflow.log_params({"N_ESTIMATORS": trees, "GATE_THRESHOLD": threshold})
            metrics = {"accuracy": 0.9 + trees / 1000, "n_train": len(frame)}
            mlflow.log_metrics(metrics)
            register_if_passes(
                info,
                metrics,
                register=True,
                name=MODEL,
                gate_metric="accuracy",
                gate_threshold=threshold,
            )
            mlflow.end_run()
            pipelines[trees] = pipeline
        # log_model opened its runs as a notebook does, setting MLflow's global tracking URI:
        # leave the process following MLFLOW_TRACKING_URI again, as later tests expect
        mlflow.set_tracking_uri(None)
    return {"uri": uri, "folder": folder, "frame": frame, "pipeline": pipelines[5]}


@pytest.fixture
def use_store(store, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store["uri"])
    return store


@pytest.mark.slow
def test_registry_list_and_versions_show_aliases_gates_and_metrics(use_store, capsys):
    assert main(["registry", "list"]) == 0
    out = capsys.readouterr().out
    assert "penguins" in out and "@challenger=v1" in out
    assert main(["registry", "versions", MODEL]) == 0
    out = capsys.readouterr().out
    assert "penguins: 2 versions" in out
    v2, v1 = (line for line in out.splitlines() if line[:1].isdigit())
    assert v1.split()[:2] == ["1", "@challenger"] and "passed: accuracy=0.9050" in v1
    assert v2.split()[:2] == ["2", "-"] and "failed: accuracy=0.9100 < GATE_THRESHOLD=1.5" in v2
    assert "accuracy=0.9050" in out and "n_train=344" in out


@pytest.mark.slow
def test_promote_moves_the_alias_and_compare_marks_differences(use_store, capsys):
    assert main(["registry", "promote", MODEL, "2"]) == 0
    assert "models:/penguins@champion -> version 2" in capsys.readouterr().out
    assert main(["registry", "promote", MODEL, "1", "--alias", "champion"]) == 0
    assert "-> version 1 (was version 2)" in capsys.readouterr().out
    assert main(["registry", "compare", MODEL, "1", "2"]) == 0
    rows = {
        line.split()[1] if line.startswith("*") else line.split()[0]: line
        for line in capsys.readouterr().out.splitlines()[1:]
    }
    assert rows["N_ESTIMATORS"].split() == ["*", "N_ESTIMATORS", "5", "10"]
    assert rows["accuracy"].split() == ["*", "accuracy", "0.9050", "0.9100", "+0.005"]
    assert rows["n_train"].split() == ["n_train", "344", "344"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["versions", "nope"],
            "no registered model 'nope' (registered: penguins)",
            id="unknown-model",
        ),
        pytest.param(
            ["promote", MODEL, "9"],
            "penguins has no version '9' (versions: 2, 1)",
            id="unknown-version",
        ),
    ],
)
def test_registry_bad_names_exit_2_with_one_line(use_store, capsys, args, expected):
    assert main(["registry", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_registry_without_a_store_says_how_to_get_one(tmp_path, capsys):
    assert main(["registry", "list", "--runs-dir", str(tmp_path)]) == 2
    assert "no MLflow store at" in capsys.readouterr().err


@pytest.mark.slow
def test_batch_predict_writes_input_plus_predictions_equal_to_the_pipeline(use_store, tmp_path):
    frame = use_store["frame"].drop(columns=[TARGET]).head(40)
    frame.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    assert main(["predict", f"models:/{MODEL}@challenger", str(tmp_path / "in.csv"), str(out)]) == 0
    scored = pd.read_csv(out)
    assert list(scored.columns) == [*frame.columns, "prediction"]
    assert scored["prediction"].tolist() == use_store["pipeline"].predict(frame).tolist()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda f: f.drop(columns=["island"]), "lacks column 'island'", id="missing"),
        pytest.param(
            lambda f: f.assign(bill_length_mm="long"),
            "column 'bill_length_mm' holds non-numeric values (e.g. 'long')",
            id="mistyped",
        ),
        pytest.param(
            lambda f: f.assign(year=f["year"].astype(float).where(f.index > 0)),
            "column 'year' holds missing or fractional values; the model expects long",
            id="gap-in-integers",
        ),
    ],
)
def test_batch_predict_rejects_bad_columns_before_writing(
    use_store, tmp_path, capsys, change, expected
):
    change(use_store["frame"].drop(columns=[TARGET]).head(10)).to_csv(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    assert main(["predict", f"models:/{MODEL}/1", str(tmp_path / "in.csv"), str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "in.csv"]


@pytest.mark.slow
def test_batch_predict_never_overwrites_without_force(use_store, tmp_path, capsys):
    use_store["frame"].drop(columns=[TARGET]).head(5).to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    out.write_text("keep me\n")
    args = ["predict", f"models:/{MODEL}@challenger", str(tmp_path / "in.csv"), str(out)]
    assert main(args) == 2
    assert "exists: pass --force" in capsys.readouterr().err and out.read_text() == "keep me\n"
    assert main([*args, "--force"]) == 0
    assert len(pd.read_csv(out)) == 5


def _post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _split(frame: pd.DataFrame) -> dict:
    return {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}


@pytest.mark.server
def test_served_model_answers_like_the_local_one_and_stops_with_its_children(use_store):
    from nbops.mlflow.serve import free_port, is_ready

    port = free_port()
    nbops = Path(sys.executable).with_name("nbops")
    proc = subprocess.Popen(
        [nbops, "serve", f"models:/{MODEL}@challenger", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and proc.poll() is None and not is_ready(f"{base}/ping"):
            time.sleep(0.5)
        assert is_ready(f"{base}/ping"), "the server never answered /ping"
        family = psutil.Process(proc.pid).children(recursive=True)
        rows = use_store["frame"].drop(columns=[TARGET]).dropna().head(12)
        status, body = _post(f"{base}/invocations", _split(rows))
        assert status == 200
        assert body["predictions"] == use_store["pipeline"].predict(rows).tolist()
        status, body = _post(f"{base}/invocations", _split(rows.drop(columns=["island"])))
        # mlflow 3.17: error_code INVALID_PARAMETER_VALUE, error_class SCHEMA_ENFORCEMENT_FAILED
        assert status == 400 and body["error_class"] == "SCHEMA_ENFORCEMENT_FAILED"
        assert "island" in body["message"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopping" in out
    _, alive = psutil.wait_procs(family, timeout=15)
    assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"
