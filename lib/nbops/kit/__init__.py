"""Helpers the template notebooks import: data, EDA, modeling, evaluation and recording results.

Names are re-exported lazily, so `import nbops.kit` stays cheap: pandas, scikit-learn and
matplotlib load only when a helper from `data`, `eda`, `modeling` or `evaluation` is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from nbops.kit.record import (
    load_model,
    project_root,
    record_dataset,
    record_metrics,
    run_dir,
    save_figure,
    save_model,
)

if TYPE_CHECKING:
    from nbops.kit.data import (
        DataError,
        FeatureTypes,
        column_summary,
        count_duplicate_rows,
        count_overlap_rows,
        drop_columns,
        drop_missing_target,
        feature_types,
        features_and_target,
        load_table,
        split_report,
        split_stratified,
        validate_target,
    )
    from nbops.kit.eda import (
        eda_sample,
        missing_values,
        plot_categorical_counts,
        plot_correlation_heatmap,
        plot_numeric_distributions,
        plot_target_distribution,
    )
    from nbops.kit.evaluation import (
        classification_metrics,
        classification_report_table,
        permutation_importances,
        plot_confusion_matrix,
        plot_permutation_importance,
        plot_precision_recall_curves,
        plot_roc_curves,
    )
    from nbops.kit.modeling import (
        MODELS,
        grid_search_results,
        make_classifier,
        make_grid_search,
        make_param_grid,
        make_preprocessor,
    )

_LAZY = {
    "data": [
        "DataError",
        "FeatureTypes",
        "column_summary",
        "count_duplicate_rows",
        "count_overlap_rows",
        "drop_columns",
        "drop_missing_target",
        "feature_types",
        "features_and_target",
        "load_table",
        "split_report",
        "split_stratified",
        "validate_target",
    ],
    "eda": [
        "eda_sample",
        "missing_values",
        "plot_categorical_counts",
        "plot_correlation_heatmap",
        "plot_numeric_distributions",
        "plot_target_distribution",
    ],
    "modeling": [
        "MODELS",
        "grid_search_results",
        "make_classifier",
        "make_grid_search",
        "make_param_grid",
        "make_preprocessor",
    ],
    "evaluation": [
        "classification_metrics",
        "classification_report_table",
        "permutation_importances",
        "plot_confusion_matrix",
        "plot_permutation_importance",
        "plot_precision_recall_curves",
        "plot_roc_curves",
    ],
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}

__all__ = [
    "DataError",
    "FeatureTypes",
    "MODELS",
    "classification_metrics",
    "classification_report_table",
    "column_summary",
    "count_duplicate_rows",
    "count_overlap_rows",
    "drop_columns",
    "drop_missing_target",
    "eda_sample",
    "feature_types",
    "features_and_target",
    "grid_search_results",
    "load_model",
    "load_table",
    "make_classifier",
    "make_grid_search",
    "make_param_grid",
    "make_preprocessor",
    "missing_values",
    "permutation_importances",
    "plot_categorical_counts",
    "plot_confusion_matrix",
    "plot_correlation_heatmap",
    "plot_numeric_distributions",
    "plot_permutation_importance",
    "plot_precision_recall_curves",
    "plot_roc_curves",
    "plot_target_distribution",
    "project_root",
    "record_dataset",
    "record_metrics",
    "run_dir",
    "save_figure",
    "save_model",
    "split_report",
    "split_stratified",
    "validate_target",
]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'nbops.kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nbops.kit.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
