"""Everything nbops does with MLflow, and the only package that imports it (inside functions).

`store` (tracking URI, the embedded store under the runs folder, client, experiments, quiet
logging) -> `runs` (the mirror of a run folder), `model_log` (log a fitted pipeline, register a
version), `notebook` (logging and gated registration from inside a notebook), `pending` (a
managed run's models, saved by the kernel and logged by the runner), `registry` (list, promote,
compare), `serve` (REST and UI servers), `predict` (batch scoring). Importing this package does
not import mlflow.
"""
