"""Everything nbops does with MLflow, and the only package that imports it (inside functions).

`store` (tracking URI, the embedded store under the runs folder, client, experiments, quiet
logging) -> `runs` (the mirror of a run folder, with the embedded store standing in for a server
that fails), `notebook` (logging and gated registration from inside a notebook), `transfer`
(models and registry versions moved between stores), `sync` (`nbops sync`, crashed runs ended),
`registry` (list, promote, compare), `serve` (REST and UI servers), `server` (`nbops server`),
`predict` (batch scoring). Importing this package does not import mlflow.
"""
