"""`nbops lab` in headless Chromium: what a person does to start a notebook from a template.

Open JupyterLab, click the launcher's "nbops template" tile, pick the classification template,
GO, save it under a name, run it down to the first cell of its Datasets section. The notebook
must land in notebooks/ with the template's cells, pass `nbops check` as saved, and show the
loaded table; JupyterLab must not greet the user with a popup. Everything happens in a copy of
the project under tmp_path (the screenshot `lab.png` stays there), and neither the server, its
kernel, chromedriver nor Chromium may outlive the test.

Needs a Chromium or Chrome and its chromedriver: `make browser-deps` installs Debian's
`chromium` and `chromium-driver` (`.ci/run` does so in CI). Without any browser the test skips.
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from browser_support import chromium, find_browser, missing_browser
from lab_support import TOKEN, running_lab
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "classification"
NAME = "penguins_species.ipynb"  # the name typed into JupyterLab's "Rename file" dialog
# What `nbops lab` needs of the project; the test copies only these (never the local state).
PROJECT_FILES = (
    "pyproject.toml",
    ".jupyter/jupyter_server_config.py",
    ".jupyter/lab/settings",
    "templates",
    "data",
)
UI_TIMEOUT_S = 60  # JupyterLab's first load and a kernel importing scikit-learn, on 2 busy cores

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.kernel]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's committed files under tmp_path, with an empty notebooks/."""
    copy = tmp_path / "project"
    for name in PROJECT_FILES:
        source, target = ROOT / name, copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    (copy / "notebooks").mkdir()
    return copy


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Headless Chromium with a fresh profile and home under tmp_path; nothing left running."""
    if find_browser() is None:
        pytest.skip(missing_browser())
    with chromium(tmp_path / "browser-profile") as chrome:
        yield chrome


def wait_until(chrome, condition, what: str):
    """The first truthy value of `condition(chrome)`, or fail naming `what` never happened."""
    return WebDriverWait(chrome, UI_TIMEOUT_S, poll_frequency=0.2).until(condition, what)


def visible(chrome, css: str) -> list:
    return [
        element for element in chrome.find_elements(By.CSS_SELECTOR, css) if element.is_displayed()
    ]


def words(element) -> str:
    return " ".join(element.text.split())


def outputs(cell) -> str:
    """The text of a code cell's outputs."""
    return " ".join(words(o) for o in cell.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))


def open_template(chrome, base: str, template: str) -> None:
    """Launcher tile "nbops template" -> pick `template` in the dialog -> GO."""
    chrome.get(f"{base}/lab?token={TOKEN}")
    tiles = wait_until(
        chrome,
        lambda c: [t for t in visible(c, ".jp-LauncherCard") if words(t) == "nbops template"],
        "the launcher showing an 'nbops template' tile",
    )
    tiles[0].click()
    dialog = wait_until(chrome, lambda c: visible(c, ".jp-Dialog"), "the template dialog")[0]
    group, name = dialog.find_elements(By.TAG_NAME, "select")
    assert Select(group).first_selected_option.text == "nbops"
    Select(name).select_by_value(f"/nbops/{template}.ipynb")
    dialog.find_element(By.CSS_SELECTOR, ".jp-mod-accept").click()


def save_as(chrome, name: str) -> None:
    """Save the open notebook; JupyterLab asks for a name on the first save of an untitled one."""
    visible(chrome, ".jp-NotebookPanel-toolbar [data-command='docmanager:save']")[0].click()
    dialog = wait_until(chrome, lambda c: visible(c, ".jp-Dialog"), "the rename-on-save dialog")[0]
    field = dialog.find_element(By.TAG_NAME, "input")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(name)
    dialog.find_element(By.CSS_SELECTOR, ".jp-mod-accept").click()
    wait_until(chrome, lambda c: not visible(c, ".jp-Dialog"), "the dialog closing")


def cells_through_first_dataset_cell(template: dict) -> int:
    """How many cells, from the top, end with the first code cell under `## Datasets`."""
    in_datasets = False
    for index, cell in enumerate(template["cells"]):
        source = "".join(cell["source"])
        in_datasets = in_datasets or source.startswith("## Datasets")
        if in_datasets and cell["cell_type"] == "code":
            return index + 1
    raise AssertionError("the template has no code cell under ## Datasets")


def run_cells(chrome, count: int) -> None:
    """Select the first cell and press Shift+Enter `count` times, as a person would."""
    wait_until(
        chrome,
        lambda c: "Idle" in words(c.find_element(By.ID, "jp-main-statusbar")),
        "the kernel to be idle",
    )
    visible(chrome, ".jp-NotebookPanel .jp-Cell")[0].click()
    focused = chrome.switch_to.active_element
    focused.send_keys(Keys.ESCAPE)
    for _ in range(count):
        chrome.switch_to.active_element.send_keys(Keys.SHIFT, Keys.ENTER)


def kernel_folders(project: Path) -> list[Path]:
    """The working folder of each kernel of this project's Lab (its connection file tells)."""
    runtime = str(project / ".jupyter" / "runtime")
    folders = []
    for process in psutil.process_iter(["cmdline"]):
        if any(runtime in part for part in process.info["cmdline"] or ()):
            with contextlib.suppress(psutil.NoSuchProcess):
                folders.append(Path(process.cwd()))
    return folders


def sources(path: Path) -> list[str] | None:
    """The source of each cell of the notebook at `path` (None while it is not there yet)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    return ["".join(cell["source"]) for cell in cells]


def table_shape(path: Path) -> tuple[int, int]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = csv.reader(handle)
    return len(rows), len(header)


def test_a_notebook_from_a_template_lands_in_notebooks_runs_and_passes_check(
    project, browser, tmp_path, capsys
):
    home = tmp_path / "home"
    home.mkdir()
    template = json.loads((ROOT / "templates" / f"{TEMPLATE}.ipynb").read_text(encoding="utf-8"))
    title = "".join(template["cells"][0]["source"]).splitlines()[0].removeprefix("# ")
    with running_lab(project, home) as base:
        open_template(browser, base, TEMPLATE)
        wait_until(
            browser,
            lambda c: [h for h in visible(c, ".jp-NotebookPanel h1") if title in h.text],
            "the template's title in the new notebook",
        )
        assert words(visible(browser, ".jp-BreadCrumbs")[0]).replace(" ", "") == "/notebooks/"
        save_as(browser, NAME)

        saved = project / "notebooks" / NAME
        wait_until(
            browser,
            lambda _: sources(saved) == sources(ROOT / "templates" / f"{TEMPLATE}.ipynb"),
            f"notebooks/{NAME} saved with the template's cells",
        )
        made = [*project.glob("*.ipynb"), *(project / "notebooks").glob("*.ipynb")]
        assert [path.relative_to(project).as_posix() for path in made] == [f"notebooks/{NAME}"]
        assert main(["check", str(saved)]) == 0, capsys.readouterr().out

        run_cells(browser, cells_through_first_dataset_cell(template))
        rows, columns = table_shape(project / "data" / "penguins.csv")
        expected = f"{rows} rows, {columns} columns"
        cell = wait_until(
            browser,
            lambda c: [o for o in visible(c, ".jp-CodeCell") if expected in outputs(o)],
            f"the output {expected!r} of the Datasets cell",
        )[0]
        assert cell.find_elements(By.CSS_SELECTOR, ".jp-OutputArea table"), "no column summary"
        assert kernel_folders(project) == [project.resolve()], (
            "the kernel is not in the project root"
        )
        assert visible(browser, ".Toastify__toast") == [], "a notification popped up"
        assert visible(browser, ".jp-Dialog") == []
        browser.save_screenshot(str(tmp_path / "lab.png"))
    jupyter_state = [p for p in home.rglob("*") if "jupyter" in p.name or "ipython" in p.name]
    assert jupyter_state == [], "jupyter wrote into the home folder"
