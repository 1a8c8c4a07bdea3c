"""Headless Chromium for the tests and benchmarks that look at a page: found on PATH, started
with the flags this machine's closed network needs (no background connections), a profile and
home of its own, the page's network requests logged, and every process it started stopped."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from lab_support import process_tree, stop_leaving_nothing

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_browser() -> tuple[str, str | None] | None:
    """The first Chromium/Chrome on PATH and chromedriver, or None."""
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    return (browser, shutil.which("chromedriver")) if browser else None


def missing_browser() -> str:
    """The skip reason when no browser is installed."""
    return f"no browser found ({', '.join(BROWSERS)}): run `make browser-deps`"


@contextmanager
def chromium(
    profile: Path, window: tuple[int, int] = (1400, 1000), flags: Sequence[str] = ()
) -> Iterator[object]:
    """Headless Chromium (selenium) at `window` size, logging the page's network events; quit on
    exit with nothing left running. Raises RuntimeError when no browser is installed."""
    from selenium import webdriver

    found = find_browser()
    if found is None:
        raise RuntimeError(missing_browser())
    binary, driver = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    size = f"--window-size={window[0]},{window[1]}"
    for flag in (*FLAGS, *flags, size, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    home = profile.parent / "browser-home"
    home.mkdir(exist_ok=True)
    service = webdriver.ChromeService(driver, env={**os.environ, "HOME": str(home)})
    chrome = webdriver.Chrome(service=service, options=options)
    started = process_tree(service.process.pid)
    try:
        yield chrome
    finally:
        started = process_tree(service.process.pid) or started
        chrome.quit()
        stop_leaving_nothing(started)


def requested_urls(chrome, page: str | None = None) -> list[str]:
    """Every URL requested since the last call (DevTools network log), only those of document
    `page` when given."""
    urls = []
    for entry in chrome.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        params = message["params"]
        if page is None or params.get("documentURL") == page:
            urls.append(params["request"]["url"])
    return urls
