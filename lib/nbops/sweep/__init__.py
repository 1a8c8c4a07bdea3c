"""Sweeps and tuning over a notebook's parameters: grids and Optuna studies whose runs are
ordinary run folders, executed on local processes or a Dask cluster (see `grid` and `tune`)."""
