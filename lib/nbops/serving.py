"""Ship a model: `mlflow models serve` and the MLflow UI on 127.0.0.1, and batch prediction.

Servers run in a process group of their own, with MLflow's background job workers disabled, so
Ctrl-C or SIGTERM stops every process they started. `predict` checks the input against the
model's signature before scoring and writes its output only when everything succeeded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from nbops.errors import BadInputError, NbopsError
from nbops.kit.tracking import ARTIFACTS_DIR, STORE_FILE, URI_ENV, is_embedded, tracking_uri

HOST = "127.0.0.1"
SERVE_PORT = 5001
UI_PORT = 5000
STOP_GRACE_S = 10.0
PREDICTION_COLUMN = "prediction"
_POLL_S = 0.5


class SchemaMismatchError(BadInputError):
    """The input table does not match the model's signature."""


def server_environment(uri: str) -> dict[str, str]:
    """The environment of an MLflow server process: our store, no background job workers."""
    env = dict(os.environ)
    env[URI_ENV] = uri
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    env.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # mlflow starts `uvicorn` by name: find the project's own, activated venv or not.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def serve_command(model_uri: str, port: int) -> list[str]:
    """`mlflow models serve` in the project's environment (no conda, no network) on loopback."""
    return [
        *_mlflow(),
        *("models", "serve", "-m", model_uri, "--env-manager", "local"),
        *("-h", HOST, "-p", str(port), "-w", "1"),
    ]


def ui_command(uri: str, port: int, runs_dir: Path) -> list[str]:
    """`mlflow ui` on the tracking store, on loopback, with one worker."""
    command = [*_mlflow(), "ui", "--backend-store-uri", uri, "-h", HOST, "-p", str(port)]
    if is_embedded(uri, runs_dir):
        artifacts = (runs_dir / ARTIFACTS_DIR).resolve().as_uri()
        command += ["--default-artifact-root", artifacts]
    return [*command, "--workers", "1"]


def _mlflow() -> list[str]:
    return [sys.executable, "-m", "mlflow"]


def store_uri(runs_dir: Path) -> str:
    """The tracking URI, checking that the embedded store exists when it is the one in use."""
    uri = tracking_uri(runs_dir)
    if is_embedded(uri, runs_dir) and not (runs_dir / STORE_FILE).is_file():
        raise BadInputError(
            f"no MLflow store at {runs_dir / STORE_FILE} yet: run a notebook first "
            "(make run-notebook) or set MLFLOW_TRACKING_URI"
        )
    return uri


def check_port_free(port: int) -> None:
    """Raise BadInputError when `port` on 127.0.0.1 is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise BadInputError(f"port {port} on {HOST} is in use: pass --port") from None


def free_port() -> int:
    """A port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run_server(command: Sequence[str], env: Mapping[str, str], *, ready_url: str, what: str) -> int:
    """Run a server in its own process group until it exits or we get Ctrl-C / SIGTERM."""
    with server(command, env) as process:
        print(f"{what}: starting on {HOST} (Ctrl-C stops it)", flush=True)
        announced = False
        try:
            while process.poll() is None:
                if not announced and is_ready(ready_url):
                    print(f"{what}: ready at {ready_url.rsplit('/', 1)[0]}", flush=True)
                    announced = True
                time.sleep(_POLL_S)
        except KeyboardInterrupt:
            print(f"{what}: stopping", flush=True)
            return 0
    raise NbopsError(f"{what} exited with code {process.returncode} (see its output above)")


@contextmanager
def server(command: Sequence[str], env: Mapping[str, str]) -> Iterator[subprocess.Popen]:
    """Start `command` in a new session; on exit (or SIGTERM) stop its whole process group."""
    process = subprocess.Popen(list(command), env=dict(env), start_new_session=True)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield process
    finally:
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            stop_group(process)
        finally:
            signal.signal(signal.SIGINT, interrupt)
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def stop_group(process: subprocess.Popen, grace: float = STOP_GRACE_S) -> None:
    """SIGTERM the process group of `process`, SIGKILL what is left after `grace` seconds."""
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()
        if not _group_alive(process.pid):
            break
        time.sleep(0.1)
    else:
        _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def is_ready(url: str, timeout: float = 2.0) -> bool:
    """True when GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def predict(model_uri: str, input_path: Path, output_path: Path, *, force: bool = False) -> int:
    """Score `input_path` with the model and write it with a prediction column; return rows."""
    if output_path.exists() and not force:
        raise BadInputError(f"{output_path} exists: pass --force to overwrite it")
    if not output_path.parent.is_dir():
        raise BadInputError(f"folder {output_path.parent} does not exist")
    _check_suffix(output_path, "OUTPUT")
    frame = read_table(input_path)
    model = load_model(model_uri)
    scored = check_schema(frame, model.metadata.get_input_schema(), input_path.name)
    from mlflow.exceptions import MlflowException

    try:
        predictions = model.predict(scored)
    except MlflowException as exc:
        raise SchemaMismatchError(f"{input_path.name}: {_first_line(exc)}") from None
    _write_table(_with_predictions(frame, predictions), output_path)
    return len(frame)


def read_table(path: Path) -> Any:
    """A CSV or parquet file as a DataFrame."""
    import pandas as pd

    if not path.is_file():
        raise BadInputError(f"input file not found: {path}")
    _check_suffix(path, "INPUT")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def _check_suffix(path: Path, what: str) -> None:
    if path.suffix not in (".csv", ".parquet"):
        raise BadInputError(f"{what} {path.name} must be a .csv or .parquet file")


def load_model(model_uri: str) -> Any:
    """The pyfunc model at `model_uri` (models:/NAME@alias, runs:/..., a path)."""
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    try:
        return mlflow.pyfunc.load_model(model_uri)
    except (MlflowException, OSError) as exc:
        raise BadInputError(f"cannot load model {model_uri}: {_first_line(exc)}") from None


def check_schema(frame: Any, schema: Any, source: str) -> Any:
    """The frame to score: every signature column present and usable, else an error naming it."""
    if schema is None or not schema.has_input_names():
        return frame
    import pandas as pd

    expected = schema.input_names()
    for spec in schema.inputs:
        if spec.name not in frame.columns:
            raise SchemaMismatchError(
                f"{source} lacks column {spec.name!r}, which the model expects "
                f"(expected columns: {', '.join(expected)})"
            )
        kind = getattr(spec.type, "name", "")
        problem = _type_problem(frame[spec.name], kind)
        if problem:
            raise SchemaMismatchError(f"{source}: column {spec.name!r} {problem}")
        if kind in ("double", "float") and pd.api.types.is_integer_dtype(frame[spec.name]):
            frame = frame.assign(**{spec.name: frame[spec.name].astype("float64")})
    return frame


def _type_problem(column: Any, expected: str) -> str | None:
    import pandas as pd

    if column.isna().all():
        return None
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


def _write_table(frame: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def add_parsers(subparsers: Any) -> None:
    """The `nbops serve`, `nbops predict` and `nbops ui` commands."""
    serve = subparsers.add_parser(
        "serve",
        help="serve MODEL over REST on 127.0.0.1 (mlflow models serve)",
        description="Serve MODEL (e.g. models:/NAME@champion) with `mlflow models serve` in the "
        "project's environment; POST /invocations. Ctrl-C stops it and every child process.",
    )
    serve.add_argument("model", help="model URI: models:/NAME@ALIAS, models:/NAME/VERSION, ...")
    serve.add_argument("--port", type=int, default=SERVE_PORT, help=f"default {SERVE_PORT}")
    serve.set_defaults(handler=_cmd_serve)
    batch = subparsers.add_parser(
        "predict",
        help="score a CSV/parquet file in batch with MODEL",
        description="Check INPUT against MODEL's signature, score it, and write INPUT's columns "
        "plus a prediction column to OUTPUT. Nothing is written when a check fails.",
    )
    batch.add_argument("model", help="model URI: models:/NAME@ALIAS, models:/NAME/VERSION, ...")
    batch.add_argument("input", type=Path, help="CSV or parquet file to score")
    batch.add_argument("output", type=Path, help="CSV or parquet file to write")
    batch.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    batch.set_defaults(handler=_cmd_predict)
    ui = subparsers.add_parser(
        "ui",
        help="the MLflow UI on 127.0.0.1 for the project's tracking store",
        description="Start `mlflow ui` on 127.0.0.1 for MLFLOW_TRACKING_URI or runs/mlflow.db.",
    )
    ui.add_argument("--port", type=int, default=UI_PORT, help=f"default {UI_PORT}")
    for parser in (serve, batch, ui):
        parser.add_argument("--runs-dir", type=Path, help="where the embedded store is (runs/)")
    ui.set_defaults(handler=_cmd_ui)


def _runs_dir(args: Any) -> Path:
    from nbops.kit.record import project_root

    return args.runs_dir or project_root() / "runs"


def _model_store(args: Any) -> str:
    """The store a model URI refers to (which must exist for models:/ and runs:/ URIs)."""
    runs_dir = _runs_dir(args)
    in_store = args.model.startswith(("models:/", "runs:/"))
    return store_uri(runs_dir) if in_store else tracking_uri(runs_dir)


def _cmd_serve(args: Any) -> int:
    uri = _model_store(args)
    check_port_free(args.port)
    command = serve_command(args.model, args.port)
    ready = f"http://{HOST}:{args.port}/ping"
    return run_server(command, server_environment(uri), ready_url=ready, what=args.model)


def _cmd_predict(args: Any) -> int:
    os.environ[URI_ENV] = _model_store(args)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    rows = predict(args.model, args.input, args.output, force=args.force)
    print(f"wrote {rows} predictions to {args.output}")
    return 0


def _cmd_ui(args: Any) -> int:
    runs_dir = _runs_dir(args)
    uri = store_uri(runs_dir)
    check_port_free(args.port)
    ready = f"http://{HOST}:{args.port}/health"
    return run_server(
        ui_command(uri, args.port, runs_dir), server_environment(uri), ready_url=ready, what="ui"
    )
