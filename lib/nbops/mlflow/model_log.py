"""Log a fitted scikit-learn pipeline into an MLflow run and register it as a model version.

The MLflow work behind a notebook's `log_model` and `register_if_passes`, wherever it runs: in
the notebook opened interactively (`nbops.mlflow.notebook`), or in the runner after the kernel of
a managed run has ended (`nbops.mlflow.pending`). mlflow is imported inside the functions.
"""

from __future__ import annotations

import warnings
from importlib import metadata
from typing import Any

CHALLENGER = "challenger"
# What a served or batch-scored pipeline needs; listed so log_model skips its slow inference.
MODEL_REQUIREMENTS = ("mlflow", "scikit-learn", "skops", "pandas", "numpy", "scipy")
SIGNATURE_ROWS = 1000  # training rows the model signature is inferred from (plus gaps)


def pip_requirements() -> list[str]:
    """Pinned requirements of a logged pipeline, from the versions installed here."""
    pins = []
    for name in MODEL_REQUIREMENTS:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


def model_signature(model: Any, X_example: Any) -> Any:
    """The input/output signature of `model`, inferred from `X_example` (the training rows).

    Columns with missing values in `X_example` are optional; integer columns stay integers, so a
    served model accepts JSON integers (a batch file whose integers have gaps is rejected).
    """
    import pandas as pd
    from mlflow.models import infer_signature

    frame = signature_rows(pd.DataFrame(X_example))
    with warnings.catch_warnings():  # the hint about integer columns is printed to stderr
        warnings.filterwarnings("ignore", message=".*[Ii]nteger column")
        return infer_signature(frame, model.predict(frame.head(5)))


def signature_rows(frame: Any, max_rows: int = SIGNATURE_ROWS) -> Any:
    """Rows that type every column as the whole frame does: the first `max_rows`, plus one row
    with a missing value for each column that has any (so it stays optional). MLflow inspects
    text columns value by value, which on a million training rows takes minutes."""
    if len(frame) <= max_rows:
        return frame
    missing = frame.isna()
    gaps = {int(missing[column].to_numpy().argmax()) for column in frame if missing[column].any()}
    return frame.iloc[sorted(set(range(max_rows)) | gaps)]


def log_fitted(
    model: Any,
    frame: Any,
    *,
    name: str,
    registered_model_name: str | None = None,
    run_id: str | None = None,
) -> Any:
    """Log `model` into run `run_id` (default: the active run) with the signature and input
    example taken from `frame` (its training rows); return the ModelInfo."""
    import mlflow.sklearn
    import skops.io

    complete = frame.head(SIGNATURE_ROWS).dropna()
    example = complete.head(5) if len(complete) else frame.head(5)
    return mlflow.sklearn.log_model(
        model,
        name=name,
        signature=model_signature(model, frame),
        input_example=example,
        pip_requirements=pip_requirements(),
        skops_trusted_types=skops.io.get_untrusted_types(data=skops.io.dumps(model)),
        registered_model_name=registered_model_name,
        run_id=run_id,
    )


def register_version(model_uri: str, name: str, passed: bool, verdict: str) -> str:
    """Register `model_uri` as a new version of `name`, tag its gate, alias it if it passed."""
    import mlflow

    version = mlflow.register_model(model_uri, name).version
    client = mlflow.MlflowClient()
    client.set_model_version_tag(
        name, version, "gate", f"{'passed' if passed else 'failed'}: {verdict}"
    )
    if passed:
        client.set_registered_model_alias(name, CHALLENGER, version)
    return str(version)
