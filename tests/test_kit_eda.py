"""nbops.kit.eda and data_plots: seeded samples, summaries and plots that cope with any table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from nbops.kit.data import sample_rows
from nbops.kit.data_plots import (
    plot_correlation_heatmap,
    plot_histograms,
    plot_target_distribution,
    plot_top_categories,
)
from nbops.kit.eda import column_summary, missing_values, numeric_summary

pytestmark = pytest.mark.filterwarnings("error")

PENGUINS = Path(__file__).resolve().parents[1] / "data" / "penguins.csv"
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
SIZE = [6.0, 4.0]


@pytest.fixture
def penguins() -> pd.DataFrame:
    return pd.read_csv(PENGUINS)


def _visible_axes(fig: Figure) -> int:
    return sum(ax.get_visible() for ax in fig.axes if ax.get_label() != "<colorbar>")


def test_sample_rows_is_seeded_and_bounded(penguins: pd.DataFrame) -> None:
    sample = sample_rows(penguins, 100, random_state=0)
    assert len(sample) == 100
    pd.testing.assert_frame_equal(sample, sample_rows(penguins, 100, random_state=0))
    assert not sample.equals(sample_rows(penguins, 100, random_state=1))
    assert sample_rows(penguins, 1000, random_state=0) is penguins


def test_missing_values_lists_the_most_missing_first(penguins: pd.DataFrame) -> None:
    table = missing_values(penguins)
    assert table.index[0] == "sex"
    assert table.loc["sex", "missing"] == 11
    assert table.loc["sex", "share"] == pytest.approx(11 / 344)
    assert table.loc["species", "missing"] == 0


def test_plot_target_distribution_labels_every_class(penguins: pd.DataFrame) -> None:
    fig = plot_target_distribution(penguins, "species", figsize=SIZE)
    labels = [text.get_text() for text in fig.axes[0].get_yticklabels()]
    assert labels == ["Adelie", "Chinstrap", "Gentoo"]


def test_plot_histograms_by_hue_draws_a_panel_per_column(penguins: pd.DataFrame) -> None:
    fig = plot_histograms(penguins, NUMERIC, hue="species", bins=10, max_columns=12, figsize=SIZE)
    assert _visible_axes(fig) == 5
    assert [text.get_text() for text in fig.legends[0].get_texts()] == [
        "Adelie",
        "Chinstrap",
        "Gentoo",
    ]
    capped = plot_histograms(penguins, NUMERIC, hue="species", bins=10, max_columns=2, figsize=SIZE)
    assert _visible_axes(capped) == 2
    assert "first 2 of 5" in capped.get_suptitle()


def test_plot_histograms_by_hue_copes_with_infinities_and_numeric_targets() -> None:
    frame = pd.DataFrame({"x": [1.0, np.inf, 2.0, np.nan, 3.0, 4.0], "y": [0, 1, 0, 1, 0, 1]})
    fig = plot_histograms(frame, ["x"], hue="y", bins=3, max_columns=5, figsize=SIZE)
    assert _visible_axes(fig) == 1


def test_plot_top_categories_by_hue_handles_missing_and_category_dtype(
    penguins: pd.DataFrame,
) -> None:
    frame = penguins.astype({"island": "category"})
    fig = plot_top_categories(
        frame, ["island", "sex"], hue="species", max_categories=2, max_columns=5, figsize=SIZE
    )
    assert _visible_axes(fig) == 2
    sex_labels = [text.get_text() for text in fig.axes[1].get_yticklabels()]
    assert sex_labels == ["female", "male"]  # the 2 most frequent values only


def test_plot_histograms_without_hue_skips_infinities() -> None:
    frame = pd.DataFrame({"x": [1.0, np.inf, 2.0, np.nan, 3.0, 4.0]})
    fig = plot_histograms(frame, ["x"], bins=3, max_columns=5, figsize=SIZE)
    assert _visible_axes(fig) == 1
    assert sum(patch.get_height() for patch in fig.axes[0].patches) == 4
    assert fig.legends == []


def test_plot_top_categories_without_hue_counts_rows(penguins: pd.DataFrame) -> None:
    fig = plot_top_categories(
        penguins, ["island", "sex"], max_categories=2, max_columns=5, figsize=SIZE
    )
    assert _visible_axes(fig) == 2
    assert [text.get_text() for text in fig.axes[0].get_yticklabels()] == ["Biscoe", "Dream"]
    assert [patch.get_width() for patch in fig.axes[0].patches] == [168, 124]


def test_plot_correlation_heatmap_covers_every_pair(penguins: pd.DataFrame) -> None:
    fig = plot_correlation_heatmap(penguins, NUMERIC, figsize=SIZE)
    assert len(fig.axes[0].texts) == len(NUMERIC) ** 2


@pytest.mark.parametrize(
    "plot",
    [
        pytest.param(
            lambda frame: plot_histograms(
                frame, [], hue="species", bins=5, max_columns=5, figsize=SIZE
            ),
            id="numeric",
        ),
        pytest.param(
            lambda frame: plot_top_categories(
                frame, [], hue="species", max_categories=5, max_columns=5, figsize=SIZE
            ),
            id="categorical",
        ),
        pytest.param(
            lambda frame: plot_correlation_heatmap(frame, ["year"], figsize=SIZE),
            id="correlation",
        ),
    ],
)
def test_plots_explain_when_there_is_nothing_to_draw(penguins: pd.DataFrame, plot) -> None:
    fig = plot(penguins)
    assert isinstance(fig, Figure)
    assert fig.axes[0].texts[0].get_text().startswith(("no ", "fewer than"))


def test_column_summary_describes_every_column(penguins: pd.DataFrame) -> None:
    summary = column_summary(penguins)
    assert summary.index.tolist() == penguins.columns.tolist()
    assert summary.loc["sex", "kind"] == "categorical"
    assert summary.loc["body_mass_g", "kind"] == "numeric"
    assert summary.loc["sex", "missing"] == 11
    assert summary.loc["island", "distinct"] == 3
    assert summary.loc["island", "distinct_share"] == pytest.approx(3 / 344)
    assert summary.loc["island", "top_value"] == "Biscoe"


def test_numeric_summary_has_one_row_per_numeric_column(penguins: pd.DataFrame) -> None:
    table = numeric_summary(penguins)
    assert table.index.tolist() == NUMERIC
    assert {"mean", "std", "50%", "skew"} <= set(table.columns)
    assert numeric_summary(penguins[["species"]]).empty
