"""Everything nbops does with MLflow, and the only package that imports it (inside functions).

`store` (tracking URI, the embedded store under the runs folder, client, experiments, quiet
logging) -> `runs` (the mirror of a run folder), `notebook` (logging and gated registration from
inside a notebook), `registry` (list, promote, compare), `serve` (REST and UI servers),
`predict` (batch scoring). Importing this package does not import mlflow.
"""
