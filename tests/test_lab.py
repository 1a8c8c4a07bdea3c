"""`nbops lab`: the project's Jupyter folders, and the real server listing every template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_support import get, running_lab
from traitlets.config import Config

from nbops import lab

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(path.name for path in (ROOT / "templates").glob("*.ipynb"))


def test_jupyter_folders_are_inside_the_project(tmp_path):
    env = lab.jupyter_environment(tmp_path, base={"HOME": "/home/someone", "PATH": "/bin"})
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        assert Path(env[name]).is_relative_to(tmp_path / ".jupyter"), name
    assert env["PATH"] == "/bin" and env["HOME"] == "/home/someone"


def test_templates_sit_in_a_sub_folder_of_the_template_dir(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.ipynb").write_text("{}")
    listed = lab.template_dir(tmp_path)
    assert listed == tmp_path / ".jupyter" / "templates"
    assert (listed / "nbops" / "a.ipynb").read_text() == "{}"
    assert lab.template_dir(tmp_path) == listed  # idempotent
    (tmp_path / "templates" / "b.ipynb").write_text("{}")
    assert (listed / "nbops" / "b.ipynb").exists()  # a link: new templates show up


def test_lab_listens_on_loopback_only_and_allows_root_only_as_root():
    command = lab.lab_command(8899, open_browser=False, is_root=False)
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port=8899" in command
    assert "--no-browser" in command and "--allow-root" not in command
    assert "--allow-root" in lab.lab_command(8899, open_browser=True, is_root=True)


def test_file_browser_opens_in_the_notebooks_folder_and_creates_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.nbops]\nnotebooks-dir = "work/nb"\n')
    config = Config()
    lab.configure(config, tmp_path)
    assert config.FileContentsManager.preferred_dir == "work/nb"
    assert (tmp_path / "work" / "nb").is_dir()
    assert config.ServerApp.root_dir == str(tmp_path)  # kernels and paths: the project root
    assert config.LabApp.app_settings_dir == str(tmp_path / ".jupyter" / "lab" / "settings")


def test_notebooks_outside_the_project_leave_the_file_browser_at_the_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.nbops]\nnotebooks-dir = "../elsewhere"\n')
    config = Config()
    lab.configure(config, tmp_path)
    assert "preferred_dir" not in config.FileContentsManager
    assert not (tmp_path.parent / "elsewhere").exists()


def test_committed_settings_turn_off_the_news_prompt_and_update_check():
    overrides = lab.config_dir(ROOT) / lab.APP_SETTINGS / "overrides.json"
    notification = json.loads(overrides.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}


def test_committed_config_applies_the_project_settings():
    config = ROOT / ".jupyter" / "jupyter_server_config.py"
    assert "configure(" in config.read_text()


@pytest.mark.server
def test_real_lab_lists_every_template_and_serves_its_parameters_cell(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with running_lab(ROOT, home) as base:
        names = get(f"{base}/templates/names")
        listed = sorted(Path(entry["name"]).name for entry in names["templates"]["nbops"])
        assert listed == TEMPLATES
        assert set(names["templates"]) == {"nbops"}  # no sample templates of the extension
        for template in TEMPLATES:
            fetched = get(f"{base}/templates/get?template=/nbops/{template}")
            nb = json.loads(fetched["content"])
            tags = [cell.get("metadata", {}).get("tags", []) for cell in nb["cells"]]
            assert sum("parameters" in t for t in tags) == 1, template
            assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert list(home.iterdir()) == [], "jupyter wrote into the home folder"


def _renamed_while_listed(base: type) -> type:
    """`base`, except that the save's rename of notebooks/Untitled.ipynb lands while the folder is
    being listed: after the listing read its entries, before it asks for that entry's model."""

    class Manager(base):
        async def get(self, path, content=True, **options):
            untitled = Path(self.root_dir) / "notebooks" / "Untitled.ipynb"
            if path == "notebooks/Untitled.ipynb" and untitled.exists():
                untitled.rename(untitled.with_name("penguins.ipynb"))
            return await super().get(path, content=content, **options)

    return Manager


def _listing(manager_class: type, root: Path, folder: str = "notebooks") -> list[str]:
    """The names a real contents manager of `manager_class` lists in `folder` under `root`."""
    import asyncio

    manager = manager_class(root_dir=str(root))
    model = asyncio.run(manager.get(folder, content=True))
    return sorted(entry["name"] for entry in model["content"])


def test_a_file_renamed_while_its_folder_is_listed_does_not_hide_the_folder(tmp_path):
    """The root cause of "Directory not found: notebooks" in the browser test under load."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from tornado import web

    from nbops.lab_contents import SteadyListingContentsManager

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("Untitled.ipynb", "other.ipynb"):
        (notebooks / name).write_text('{"cells": [], "metadata": {}, "nbformat": 4}')
    with pytest.raises(web.HTTPError) as upstream:  # jupyter_server: 404 for the whole folder
        _listing(_renamed_while_listed(AsyncLargeFileManager), tmp_path)
    assert upstream.value.status_code == 404

    (notebooks / "penguins.ipynb").rename(notebooks / "Untitled.ipynb")
    renamed = _listing(_renamed_while_listed(SteadyListingContentsManager), tmp_path)
    assert renamed == ["other.ipynb"]  # as if listed a moment later, once renamed
    assert _listing(SteadyListingContentsManager, tmp_path) == ["other.ipynb", "penguins.ipynb"]
    with pytest.raises(web.HTTPError) as missing:  # a folder that is really missing: still 404
        _listing(SteadyListingContentsManager, tmp_path, "gone")
    assert missing.value.status_code == 404


def test_lab_uses_the_steady_contents_manager(tmp_path):
    config = Config()
    lab.configure(config, tmp_path)
    assert config.ServerApp.contents_manager_class == lab.CONTENTS_MANAGER
