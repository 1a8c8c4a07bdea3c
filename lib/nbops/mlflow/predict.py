"""Batch prediction: score a CSV or parquet file with a logged model, write it with predictions.

MLflow's pyfunc enforces the model's signature; when it rejects the input, its long error (which
quotes the whole table) becomes one line naming the column and what is wrong with it. The output
is written atomically, and only when scoring succeeded.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

from nbops.errors import BadInputError
from nbops.files import write_bytes_atomic
from nbops.mlflow.store import errors_only, first_line, global_tracking_uri
from nbops.project import MLFLOW_URI_ENV

PREDICTION_COLUMN = "prediction"
TABLE_SUFFIXES = (".csv", ".parquet")
_MISSING = re.compile(r"Model is missing inputs \[(?P<names>[^\]]*)\]")
_COLUMN = re.compile(r"for column (?P<name>[^\s.]+)")
_REASON = re.compile(r"Error: (?P<reason>.+)")


class SchemaMismatchError(BadInputError):
    """The input table does not match the model's signature."""


def predict(model_uri: str, input_path: Path, output_path: Path, *, force: bool = False) -> int:
    """Score `input_path` with the model and write it with a prediction column; return rows."""
    if output_path.exists() and not force:
        raise BadInputError(f"{output_path} exists: pass --force to overwrite it")
    if not output_path.parent.is_dir():
        raise BadInputError(f"folder {output_path.parent} does not exist")
    _check_suffix(output_path, "OUTPUT")
    frame = read_table(input_path)
    model = load_model(model_uri)
    from mlflow.exceptions import MlflowException

    try:
        with errors_only():  # its note that extra columns are ignored: they are kept in OUTPUT
            predictions = model.predict(frame)
    except MlflowException as exc:
        raise _mismatch(exc, frame, model, input_path.name) from None
    except (ValueError, KeyError) as exc:  # an optional column MLflow let through is missing
        if not _absent(frame, model):
            raise
        raise _mismatch(exc, frame, model, input_path.name) from None
    write_table(_with_predictions(frame, predictions), output_path)
    return len(frame)


def read_table(path: Path) -> Any:
    """A CSV or parquet file as a DataFrame."""
    import pandas as pd

    if not path.is_file():
        raise BadInputError(f"input file not found: {path}")
    _check_suffix(path, "INPUT")
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise BadInputError(
            f"INPUT {path} is not a readable {path.suffix.lstrip('.')} table "
            f"({type(exc).__name__}: {reason[:200]})"
        ) from None


def write_table(frame: Any, path: Path) -> None:
    """Write `frame` as CSV or parquet (by suffix) in one atomic step."""
    buffer = io.BytesIO()
    if path.suffix == ".parquet":
        frame.to_parquet(buffer, index=False)
    else:
        frame.to_csv(buffer, index=False)
    write_bytes_atomic(path, buffer.getvalue())


def _check_suffix(path: Path, what: str) -> None:
    if path.suffix not in TABLE_SUFFIXES:
        raise BadInputError(f"{what} {path.name} must be a .csv or .parquet file")


def load_model(model_uri: str) -> Any:
    """The pyfunc model at `model_uri` (models:/NAME@alias, runs:/..., a path)."""
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    uri = os.environ.get(MLFLOW_URI_ENV)  # the store the command chose, not a URI set earlier
    try:
        with global_tracking_uri(uri) if uri else contextlib.nullcontext():
            return mlflow.pyfunc.load_model(model_uri)
    except (MlflowException, OSError) as exc:
        raise BadInputError(f"cannot load model {model_uri}: {first_line(exc)}") from None


def _mismatch(exc: BaseException, frame: Any, model: Any, source: str) -> SchemaMismatchError:
    """MLflow's schema-enforcement error (or the model's own) as one line naming the column."""
    text = str(exc)
    schema = model.metadata.get_input_schema()
    expected = _expected(model)
    missing = _MISSING.search(text)
    absent = _absent(frame, model)
    if missing or absent:
        name = absent[0] if absent else missing["names"].split(",")[0].strip(" '\"")
        return SchemaMismatchError(
            f"{source} lacks column {name!r}, which the model expects "
            f"(expected columns: {', '.join(expected)})"
        )
    column = _COLUMN.search(text)
    if column and column["name"] in frame.columns:
        types = {spec.name: getattr(spec.type, "name", "") for spec in schema.inputs}
        name = column["name"]
        problem = _type_problem(frame[name], types.get(name, ""))
        if problem:
            return SchemaMismatchError(f"{source}: column {name!r} {problem}")
    reason = _REASON.search(text)
    return SchemaMismatchError(f"{source}: {reason['reason'] if reason else first_line(exc)}")


def _expected(model: Any) -> list[str]:
    """The column names of the model's signature (none when it has no named inputs)."""
    schema = model.metadata.get_input_schema()
    return schema.input_names() if schema is not None and schema.has_input_names() else []


def _absent(frame: Any, model: Any) -> list[str]:
    """The signature's columns that `frame` lacks."""
    return [name for name in _expected(model) if name not in frame.columns]


def _type_problem(column: Any, expected: str) -> str | None:
    """What is wrong with a column MLflow refused, in the words of the type the model expects."""
    import pandas as pd

    if expected in ("double", "float", "long", "integer"):
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            numbers = pd.to_numeric(column, errors="coerce")
            bad = column[numbers.isna() & column.notna()]
            example = f" (e.g. {bad.iloc[0]!r})" if len(bad) else ""
            return f"holds non-numeric values{example}; the model expects {expected}"
        if expected in ("long", "integer") and not pd.api.types.is_integer_dtype(column):
            return f"holds missing or fractional values; the model expects {expected}"
    if expected == "string" and pd.api.types.is_numeric_dtype(column):
        return f"holds numbers ({column.dtype}); the model expects text (string)"
    if expected == "boolean" and not pd.api.types.is_bool_dtype(column):
        return f"holds {column.dtype} values; the model expects boolean"
    return None


def _with_predictions(frame: Any, predictions: Any) -> Any:
    import pandas as pd

    out = frame.copy()
    if isinstance(predictions, pd.DataFrame):
        for name in predictions.columns:
            out[f"{PREDICTION_COLUMN}_{name}"] = predictions[name].to_numpy()
    else:
        out[PREDICTION_COLUMN] = list(predictions)
    return out
