"""The gallery page in a real headless Chromium: sorting every column kind both ways, filtering,
the compare view, and not a single network request. Run folders come from real runs: one run of
the classification template (synthesised into 40 varied folders) and a real sweep."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from gallery_support import chromium, find_browser, requested_urls, synthesise_runs
from sweep_support import NOTEBOOK, ROOT

from nbops.gallery.index import refresh

pytestmark = [pytest.mark.browser, pytest.mark.kernel]


def _nbops(*args: str, env_extra: dict | None = None) -> None:
    import os

    env = {**os.environ, "NBOPS_TRACKING": "off", **(env_extra or {})}
    done = subprocess.run(
        [sys.executable, "-m", "nbops", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if find_browser() is None:
        pytest.skip("no Chromium: run `make browser-deps`")
    runs = tmp_path_factory.mktemp("gallery") / "runs"
    _nbops("run", "templates/classification.ipynb", "--runs-dir", str(runs), "--no-progress")
    (source,) = [p for p in runs.iterdir() if not p.is_symlink() and (p / "run.json").is_file()]
    synthesise_runs(source, runs, 40, seed=1)
    _nbops("sweep", NOTEBOOK, "--grid", "X=0,1", "--runs-dir", str(runs), "--no-progress")
    refresh(runs, ROOT)
    return runs


@pytest.fixture
def page(runs_dir: Path, tmp_path: Path):
    with chromium(tmp_path / "profile") as chrome:
        requested_urls(chrome)  # drop the browser's own start-up requests
        chrome.get((runs_dir / "index.html").as_uri())
        yield chrome


def _column(chrome, index: int) -> list[str]:
    return chrome.execute_script(
        "return Array.from(document.querySelectorAll('#runs tbody tr[data-i]'))"
        f".map((tr) => tr.cells[{index}].textContent.trim());"
    )


def _headers(chrome) -> list[str]:
    return chrome.execute_script(
        "return Array.from(document.querySelectorAll('#runs thead th')).map((th) => th.textContent"
        ".replace(/[\\u25B2\\u25BC]/g, '').trim());"
    )


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _number(text: str) -> float:
    """The value of a metric cell: 'f1_macro 0.983 [0.945, 1]' -> 0.983, '0.97' -> 0.97."""
    words = text.split()
    return float(words[1] if words[0][:1].isalpha() else words[0])


KINDS = {
    "id": _natural,
    "notebook": _natural,
    "name": _natural,
    "started (UTC)": str,
    "duration (s)": float,
    "headline": _number,
}


@pytest.mark.parametrize("title", list(KINDS))
def test_every_column_kind_sorts_both_ways_with_blanks_last(page, title: str) -> None:
    index = _headers(page).index(title)
    key = KINDS[title]
    for direction in ("ascending", "descending"):
        page.execute_script(f"document.querySelectorAll('#runs thead th')[{index}].click();")
        values = _column(page, index)
        filled = [v for v in values if v]
        assert values[: len(filled)] == filled, f"{title} {direction}: blanks not last"
        expected = sorted(filled, key=key, reverse=direction == "descending")
        assert [key(v) for v in filled] == [key(v) for v in expected], f"{title} {direction}"
        assert len(set(filled)) > 2, f"{title}: too few distinct values to prove an order"


def test_filters_by_notebook_status_and_text(page) -> None:
    from selenium.webdriver.support.ui import Select

    total = len(_column(page, 0))
    Select(page.find_element("id", "nb")).select_by_visible_text("templates/regression.ipynb")
    notebooks = _column(page, _headers(page).index("notebook"))
    assert notebooks and set(notebooks) == {"templates/regression.ipynb"} and len(notebooks) < total
    assert "val_f1_macro" in _headers(page)  # the notebook's own metric columns
    Select(page.find_element("id", "st")).select_by_visible_text("failed")
    statuses = _column(page, _headers(page).index("status"))
    assert statuses and all(s.startswith("failed") for s in statuses)
    Select(page.find_element("id", "nb")).select_by_index(0)
    Select(page.find_element("id", "st")).select_by_index(0)
    page.find_element("id", "q").send_keys('MODEL="random_forest"')
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('#runs tbody tr td.params'))"
        ".map((td) => td.title);"
    )
    assert shown and all('MODEL="random_forest"' in text for text in shown)
    count = page.find_element("id", "count").text
    assert count.startswith(f"{len(shown)} shown of ")


def test_the_compare_view_shows_two_runs_side_by_side_with_differences(page) -> None:
    from selenium.webdriver.common.by import By

    rows = page.find_elements(By.CSS_SELECTOR, "#runs tbody tr[data-i]")
    params = page.execute_script(
        "return Array.from(document.querySelectorAll('#runs tbody tr[data-i]'))"
        ".map((tr) => tr.querySelector('td.params') ? tr.querySelector('td.params').title : '');"
    )
    first = next(i for i, text in enumerate(params) if 'MODEL="random_forest"' in text)
    second = next(i for i, text in enumerate(params) if 'MODEL="logistic_regression"' in text)
    for index in (first, second):
        rows[index].find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    button = page.find_element("id", "cmp")
    assert button.is_enabled() and button.text == "compare 2 of 2"
    button.click()
    panel = page.find_element("id", "compare")
    assert panel.is_displayed()
    heads = [th.text for th in panel.find_elements(By.CSS_SELECTOR, "table thead th")][1:3]
    column = _headers(page).index("id")
    ids = [rows[i].find_elements(By.TAG_NAME, "td")[column].text for i in (first, second)]
    assert heads == ids
    differing = [tr.text for tr in panel.find_elements(By.CSS_SELECTOR, "tr.diff")]
    assert any(text.startswith("MODEL ") for text in differing)
    assert not any(text.startswith("TARGET ") for text in differing)
    pairs = panel.find_elements(By.CSS_SELECTOR, ".figpair")
    assert pairs and all(len(pair.find_elements(By.TAG_NAME, "img")) == 2 for pair in pairs)
    loaded = page.execute_script(
        "return Array.from(document.querySelectorAll('#compare img'))"
        ".every((img) => img.complete && img.naturalWidth > 0);"
    )
    assert loaded


def test_sweeps_are_listed_with_their_best_run_and_summary(page) -> None:
    links = page.execute_script(
        "return Array.from(document.querySelectorAll('#runs tbody tr.sweep a'))"
        ".map((a) => a.getAttribute('href'));"
    )
    assert any(link.endswith("/summary.html") for link in links)
    assert any(link.endswith("/report.html") for link in links)  # the best run


def test_the_page_makes_no_network_request(page, runs_dir: Path) -> None:
    from selenium.webdriver.common.by import By

    rows = page.find_elements(By.CSS_SELECTOR, "#runs tbody tr[data-i]")
    with_figures = [row for row in rows if "classification" in row.text][:2]
    for row in with_figures:
        row.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    page.find_element("id", "cmp").click()
    from selenium.webdriver.support.ui import WebDriverWait

    images = "Array.from(document.images)"
    WebDriverWait(page, 30).until(
        lambda chrome: chrome.execute_script(f"return {images}.every((i) => i.complete);")
    )
    loaded = page.execute_script(
        f"return [location.href, ...{images}.filter((i) => i.naturalWidth > 0).map((i) => i.src)];"
    )
    assert len(loaded) > 2 and loaded[1].endswith(".png"), loaded  # the compared figures
    assert all(url.startswith("file://") for url in loaded), loaded
    # DevTools sees every request the network stack makes: none leaves the machine.
    outside = [
        u for u in requested_urls(page) if not u.startswith(("chrome://", "file://", "data:"))
    ]
    assert outside == []
    text = (runs_dir / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
