"""A run's page opens on its result: report.html of real runs, read in headless Chromium.

One tracked run of the classification template (the default run, a real kernel and a real MLflow
store under tmp_path), executed as `python -m nbops run` under umask 022, is checked for what a
reader sees: the summary in the first 1280x800 screen, its numbers equal to metrics.json, the
gate badge equal to the registry, folded code that one button opens, alt text, no request for any
URL outside the file; its closing terminal lines; and its files' modes. A drift run with drift,
and a run whose notebook leaks, say so in the terminal and in the page title.

Needs Chromium and chromedriver (`make browser-deps`); without a browser the browser test skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from browser_support import chromium, find_browser, missing_browser, requested_urls
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from selenium.webdriver.common.by import By

from nbops.cli import main
from nbops.verdicts import fmt

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = (1280, 800)
MODEL_NAME = "penguins-species"  # the classification template's REGISTERED_MODEL_NAME


@pytest.fixture(scope="module")
def classification_run(tmp_path_factory, empty_mlflow_store) -> tuple[Path, str]:
    """The default run (classification template), tracked, under umask 022: (folder, stdout)."""
    runs_dir = tmp_path_factory.mktemp("report") / "runs"
    runs_dir.mkdir()
    shutil.copy(empty_mlflow_store, runs_dir / "mlflow.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["NBOPS_TRACKING"] = "on"
    command = [sys.executable, "-m", "nbops", "run", "--runs-dir", str(runs_dir)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, umask=0o022, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return (runs_dir / "latest").resolve(), done.stdout


@pytest.mark.kernel
def test_run_folder_files_are_readable_by_others_under_umask_022(classification_run) -> None:
    run_dir, _ = classification_run
    modes = {
        path.relative_to(run_dir).as_posix(): oct(path.stat().st_mode & 0o777)
        for path in run_dir.rglob("*")
        if path.is_file()
    }
    assert {"run.json", "metrics.json", "report.html", "figures/roc_curve.png"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != "0o644"} == {}


@pytest.mark.kernel
def test_the_terminal_closes_with_the_verdicts(classification_run) -> None:
    run_dir, out = classification_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    lines = out.splitlines()
    assert lines[0].startswith(f"run {run_dir.name} succeeded in ")
    assert lines[1] == "  verdict: gate passed @challenger v1"
    interval = f"[{fmt(metrics['f1_macro_ci_low'])}, {fmt(metrics['f1_macro_ci_high'])}]"
    assert f"result:  f1_macro {fmt(metrics['f1_macro'])} {interval}" in out
    assert f"(baseline {fmt(metrics['baseline_accuracy'])})" in out
    assert "  gate:    passed (f1_macro " in out and f"{MODEL_NAME} v1 @challenger" in out
    assert "  checker: no findings on the notebook" in out
    record = json.loads((run_dir / "run.json").read_text())
    assert record["verdict"] == "gate passed @challenger v1" and record["check"]["error"] is None


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Headless Chromium at 1280x800 logging its network requests; nothing left running."""
    if find_browser() is None:
        pytest.skip(missing_browser())
    with chromium(tmp_path / "profile", window=VIEWPORT, flags=("--hide-scrollbars",)) as chrome:
        yield chrome


def registry_challenger(run_dir: Path) -> tuple[str, str]:
    """The version the registry's @challenger points at, and that version's gate tag."""
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{(run_dir.parent / 'mlflow.db').as_posix()}")
    version = client.get_model_version_by_alias(MODEL_NAME, "challenger")
    return str(version.version), version.tags["gate"]


@pytest.mark.kernel
@pytest.mark.browser
def test_the_report_opens_on_its_result_offline(classification_run, browser, tmp_path) -> None:
    run_dir, _ = classification_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    page = (run_dir / "report.html").as_uri()
    browser.get_log("performance")  # what the empty start page loaded
    browser.get(page)
    browser.save_screenshot(str(tmp_path / "report-top.png"))
    assert browser.execute_script("return window.innerWidth") == VIEWPORT[0]
    height = browser.execute_script("return window.innerHeight")

    # the page title carries the verdict; the summary's results are in the first screen
    assert browser.title.endswith(f"{run_dir.name} — gate passed @challenger v1")
    table = browser.find_element(By.CSS_SELECTOR, ".nbops-summary table.nbops-metrics")
    bottom = browser.execute_script("return arguments[0].getBoundingClientRect().bottom", table)
    assert bottom <= height

    # every number in the results table is metrics.json's, interval included
    rows = table.find_elements(By.CSS_SELECTOR, "tr[data-metric]")
    assert len(rows) >= 6
    for row in rows:
        name = row.get_attribute("data-metric")
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == fmt(metrics[name])
        if f"{name}_ci_low" in metrics:
            assert (
                cells[1] == f"{fmt(metrics[name + '_ci_low'])} – {fmt(metrics[name + '_ci_high'])}"
            )
    accuracy = table.find_element(By.CSS_SELECTOR, 'tr[data-metric="accuracy"]')
    assert accuracy.find_elements(By.TAG_NAME, "td")[2].text == fmt(metrics["baseline_accuracy"])

    # the gate badge is what the registry says
    version, gate_tag = registry_challenger(run_dir)
    badge = browser.find_element(By.CSS_SELECTOR, '.nbops-badge[data-kind="gate"]')
    assert badge.text == f"gate passed @challenger v{version} ({MODEL_NAME})"
    assert gate_tag.startswith("passed: ") and "nbops-good" in badge.get_attribute("class")

    # code is folded; one button opens every cell, a cell's own summary opens that cell
    code = browser.find_elements(By.CSS_SELECTOR, "details.nbops-code .jp-InputArea")
    assert len(code) > 20 and not any(area.is_displayed() for area in code)
    browser.find_element(By.CSS_SELECTOR, "details.nbops-code > summary").click()
    assert [area.is_displayed() for area in code[:2]] == [True, False]
    toggle = browser.find_element(By.ID, "nbops-code-toggle")
    toggle.click()
    assert all(area.is_displayed() for area in code) and toggle.text == "hide code"
    toggle.click()
    assert not any(area.is_displayed() for area in code)

    # every figure says what it shows: its title
    titles = json.loads((run_dir / "figures" / "titles.json").read_text())
    alts = [img.get_attribute("alt") for img in browser.find_elements(By.TAG_NAME, "img")]
    assert alts and all(alts) and "No description has been provided for this image" not in alts
    assert titles["confusion_matrix"]["title"] in alts

    # nothing but the file itself (and its inline images) was requested
    urls = requested_urls(browser, page)
    assert page in urls and all(url.startswith(("file://", "data:")) for url in urls), urls


@pytest.mark.kernel
def test_a_drift_run_says_drift_in_its_terminal_and_title(tmp_path, capsys) -> None:
    runs_dir = tmp_path / "runs"
    code = main(["run", str(ROOT / "templates" / "drift.ipynb"), "--runs-dir", str(runs_dir)])
    out = capsys.readouterr().out
    assert code == 0
    run_dir = (runs_dir / "latest").resolve()
    drift = json.loads((run_dir / "verdicts.json").read_text())["drift"]
    assert drift["detected"] is True
    words = f"drift detected: {drift['drifted']} of {drift['total']} columns"
    assert f"  verdict: {words}" in out and f"  drift:   {words} drifted (" in out
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert f"<title>drift {run_dir.name} — {words}</title>" in page
    assert 'href="drift_report.html"' in page  # Evidently's report, linked from the summary


def leaky_notebook(path: Path) -> Path:
    """A runnable notebook that scales every row before the split (NB301), then scores a model."""
    code = [
        (
            "Imports",
            "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
            "from sklearn.model_selection import train_test_split\n"
            "from sklearn.preprocessing import StandardScaler",
        ),
        (
            "Configs",
            'DATA_PATH = "data/penguins.csv"  # the table\nTEST_SIZE = 0.2  # held out\n'
            "RANDOM_STATE = 42  # seed",
        ),
        (
            "Datasets",
            "table = pd.read_csv(DATA_PATH).dropna()\n"
            'scaled = StandardScaler().fit_transform(table[["bill_length_mm", "bill_depth_mm"]])\n'
            "X_train, X_test, y_train, y_test = train_test_split(\n"
            '    scaled, table["species"], test_size=TEST_SIZE, random_state=RANDOM_STATE\n)',
        ),
        ("Analysis (EDA)", "table.describe()"),
        ("Modeling", "model = LogisticRegression().fit(X_train, y_train)"),
        ("Evaluation", "model.score(X_test, y_test)"),
    ]
    cells = [new_markdown_cell("# Leaky scaling\n\nScales every row before the split.")]
    for section, source in code:
        tags = ["parameters"] if section == "Configs" else []
        cells += [
            new_markdown_cell(f"## {section}"),
            new_code_cell(source, metadata={"tags": tags}),
        ]
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": spec}), path)
    return path


@pytest.mark.kernel
def test_a_leaking_notebook_says_so_at_the_top_of_its_page(tmp_path, capsys) -> None:
    notebook = leaky_notebook(tmp_path / "leaky_scaling.ipynb")
    assert main(["run", str(notebook), "--runs-dir", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert "  verdict: leakage NB301" in out
    assert "  checker: 1 leakage finding(s), 1 finding(s) on the notebook" in out
    assert "NB301 cell 7: StandardScaler fitted on the full data" in out
    run_dir = (tmp_path / "runs" / "latest").resolve()
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert f"<title>leaky_scaling {run_dir.name} — leakage NB301</title>" in page
    assert 'data-kind="check">leakage: NB301</span>' in page
