"""JupyterLab settings of this project, read when JUPYTER_CONFIG_DIR points here (`nbops lab`).

The settings themselves live in `nbops.lab.configure`: the templates under File -> New ->
Notebook from template, loopback only, the project root as the file browser's root with
notebooks/ opened first, and JupyterLab's defaults overridden from `lab/settings/overrides.json`.
"""

from pathlib import Path

from nbops.lab import configure

configure(get_config(), Path(__file__).resolve().parents[1])  # noqa: F821 (defined by Jupyter)
