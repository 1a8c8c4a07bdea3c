"""Build small notebooks for the checker tests from markdown and code strings."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

FIXTURES = Path(__file__).parents[1] / "notebooks" / "check"


def md(source: str) -> dict:
    """A markdown cell."""
    return {"cell_type": "markdown", "metadata": {}, "source": dedent(source).strip()}


def code(source: str, tags: tuple[str, ...] = (), outputs=(), count=None) -> dict:
    """A code cell (stripped unless `outputs` / `count` are given)."""
    metadata = {"tags": list(tags)} if tags else {}
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata,
        "outputs": list(outputs),
        "source": dedent(source).strip(),
    }


def notebook(*cells: dict) -> dict:
    """A nbformat 4 notebook with a python kernelspec."""
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path: Path, nb: dict) -> Path:
    """Write `nb` as an .ipynb file the way nbstripout leaves it (sorted keys, ids 0, 1, ...)."""
    for index, cell in enumerate(nb["cells"]):
        cell.setdefault("id", str(index))
        source = cell["source"]
        if isinstance(source, str):
            lines = source.splitlines(keepends=True)
            cell["source"] = lines
    path.write_text(
        json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


IMPORTS = """\
from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from nbops.kit.data import split_stratified
from nbops.kit.record import record_metrics
"""

CONFIGS = """\
DATA_PATH = "data/penguins.csv"  # the embedded dataset, relative to the project root
TARGET = "species"  # the column to predict
TEST_SIZE = 0.2  # share of rows held out for the test split
RANDOM_STATE = 42  # seed for every random choice
N_ESTIMATORS = 200  # trees in the forest
MAX_DEPTH = 8  # depth of each tree
PERMUTATION_REPEATS = 5  # shuffles per feature for permutation importance
RUN_GRID_SEARCH = False  # tune the forest with a grid search on the training split
"""


def template(*, configs: str = CONFIGS, imports: str = IMPORTS, **replace: str) -> dict:
    """A well-written classification notebook; keyword arguments replace named cells."""
    cells = {
        "datasets": """\
            frame = pd.read_csv(Path(DATA_PATH))
            train, test = split_stratified(
                frame, TARGET, test_size=TEST_SIZE, random_state=RANDOM_STATE
            )
            X_train, y_train = train.drop(columns=[TARGET]), train[TARGET]
            X_test, y_test = test.drop(columns=[TARGET]), test[TARGET]
            """,
        "eda": """\
            frame[TARGET].value_counts(normalize=True)
            frame.isna().mean().sort_values(ascending=False)
            frame.describe()
            frame.fillna(frame.median(numeric_only=True)).corr(numeric_only=True)
            """,
        "modeling": """\
            numeric = X_train.select_dtypes("number").columns.tolist()
            categorical = [column for column in X_train.columns if column not in numeric]
            preprocess = ColumnTransformer(
                [
                    ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
                    ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                ]
            )
            model = Pipeline(
                [
                    ("preprocess", preprocess),
                    (
                        "forest",
                        RandomForestClassifier(
                            n_estimators=N_ESTIMATORS,
                            max_depth=MAX_DEPTH,
                            random_state=RANDOM_STATE,
                        ),
                    ),
                ]
            )
            if RUN_GRID_SEARCH:
                search = GridSearchCV(model, {"forest__max_depth": [MAX_DEPTH, None]})
                model = search.fit(X_train, y_train).best_estimator_
            else:
                model.fit(X_train, y_train)
            """,
        "evaluation": """\
            baseline = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
            predictions = model.predict(X_test)
            metrics = {
                "accuracy": accuracy_score(y_test, predictions),
                "f1_macro": f1_score(y_test, predictions, average="macro"),
                "baseline_accuracy": accuracy_score(y_test, baseline.predict(X_test)),
            }
            importance = permutation_importance(
                model, X_test, y_test, n_repeats=PERMUTATION_REPEATS, random_state=RANDOM_STATE
            )
            record_metrics(metrics)
            """,
    }
    cells.update(replace)
    return notebook(
        md("# Penguin species\n\nPredict the species from body measurements."),
        md("## Imports"),
        code(imports),
        md("## Configs"),
        code(configs, tags=("parameters",)),
        md("## Datasets\n\nLoad, then split before anything learns from the data."),
        code(cells["datasets"]),
        md("## Analysis (EDA)"),
        code(cells["eda"]),
        md("## Modeling"),
        code(cells["modeling"]),
        md("## Evaluation"),
        code(cells["evaluation"]),
    )
