"""Helpers the notebooks import, one module per concern. A template imports the modules
(`from nbops.kit import data, metrics`) and calls `data.load_table(...)`, so every call says where
its code is (`lib/nbops/kit/<module>.py`).

- `data`        load a table, check its columns and target, sample rows, split train and test
- `eda`         tables that describe a table: columns, missing values, statistics, outliers, signal
- `data_plots`  plots of what a table holds: distributions, categories, correlations, series, drift
- `models`      preprocessing, named classifiers and regressors, grid results, loading a model
- `metrics`     scores: classification, regression, per segment, calibration, importance
- `bootstrap`   95% intervals of a test metric: seeded bootstrap over the test rows
- `validation`  `val_<metric>` scores measured inside the training split, what sweeps rank on
- `model_plots` plots of predictions: confusion, curves, residuals, calibration, forecasts
- `timeseries`  forecasting: time checks, past-only features, baselines, backtests
- `drift_data`  the two tables of a drift check: which columns compare, and how they differ
- `drift`       the Evidently drift report, its per-column results and the verdict
- `record`      where results go: metrics, figures, models and data provenance of the run
- `tracking`    MLflow from the notebook: log the model, register it if it passes the gate
- `errors`      `KitError`, the base of every error a helper raises, and `DataError`
- `figures`     figure plumbing shared by the plot modules

Importing the package itself loads nothing else: pandas, scikit-learn and matplotlib load with the
first helper module a notebook imports.
"""

__all__ = [
    "bootstrap",
    "data",
    "data_plots",
    "drift",
    "drift_data",
    "eda",
    "errors",
    "figures",
    "metrics",
    "model_plots",
    "models",
    "record",
    "timeseries",
    "tracking",
    "validation",
]
