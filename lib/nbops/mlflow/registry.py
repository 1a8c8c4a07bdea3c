"""The model registry: registered models, their versions, promotion by alias, two versions compared.

A version's parameters and metrics are those of the MLflow run that logged it (the nbops run),
so `compare` shows what changed between two trainings. mlflow is imported inside the functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nbops.errors import BadInputError
from nbops.mlflow.store import first_line

DIFFERS = "*"


@dataclass
class Version:
    """One registered version with what its run recorded."""

    version: str
    aliases: list[str]
    created: str
    run_name: str
    gate: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def list_models(client: Any) -> list[dict[str, Any]]:
    """Every registered model: name, number of versions, aliases, last update."""
    models = []
    for model in client.search_registered_models(order_by=["name ASC"]):
        count = len(client.search_model_versions(f"name = '{_quote(model.name)}'"))
        models.append(
            {
                "name": model.name,
                "versions": count,
                "aliases": dict(sorted(model.aliases.items())),
                "updated": _when(model.last_updated_timestamp),
            }
        )
    return models


def versions(client: Any, name: str) -> list[Version]:
    """The versions of model `name`, newest first, with their run's parameters and metrics."""
    _model(client, name)
    found = client.search_model_versions(f"name = '{_quote(name)}'")
    return [
        _version(client, client.get_model_version(name, v.version))
        for v in sorted(found, key=lambda v: int(v.version), reverse=True)
    ]


def get_version(client: Any, name: str, version: str) -> Version:
    """One version of model `name`; a missing one is a BadInputError listing those that exist."""
    from mlflow.exceptions import MlflowException

    _model(client, name)
    try:
        return _version(client, client.get_model_version(name, str(version)))
    except MlflowException:
        known = ", ".join(v.version for v in versions(client, name)) or "none"
        raise BadInputError(f"{name} has no version {version!r} (versions: {known})") from None


def promote(client: Any, name: str, version: str, alias: str) -> str | None:
    """Point `name@alias` at `version`; return the version it pointed at before (or None)."""
    from mlflow.exceptions import MlflowException

    get_version(client, name, version)
    previous = client.get_registered_model(name).aliases.get(alias)
    try:
        client.set_registered_model_alias(name, alias, str(version))
    except MlflowException as exc:
        raise BadInputError(f"cannot set alias {alias!r}: {first_line(exc)}") from None
    return None if previous is None else str(previous)


def _model(client: Any, name: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_registered_model(name)
    except MlflowException:
        names = [m.name for m in client.search_registered_models()]
        known = ", ".join(sorted(names)) or "none yet"
        raise BadInputError(f"no registered model {name!r} (registered: {known})") from None


def _version(client: Any, model_version: Any) -> Version:
    params: dict[str, str] = {}
    metrics: dict[str, float] = {}
    run_name = ""
    if model_version.run_id:
        run = client.get_run(model_version.run_id)
        params, metrics = dict(run.data.params), dict(run.data.metrics)
        run_name = run.info.run_name or run.info.run_id
    return Version(
        version=str(model_version.version),
        aliases=sorted(model_version.aliases or []),
        created=_when(model_version.creation_timestamp),
        run_name=run_name,
        gate=(model_version.tags or {}).get("gate", ""),
        params=dict(sorted(params.items())),
        metrics=dict(sorted(metrics.items())),
    )


def render_models(models: list[dict[str, Any]]) -> str:
    """`registry list` as text."""
    if not models:
        return "no registered models yet (set REGISTER_MODEL = True in a notebook's Configs)"
    rows = [["model", "versions", "aliases", "updated"]]
    for model in models:
        aliases = ", ".join(f"@{alias}=v{version}" for alias, version in model["aliases"].items())
        rows.append([model["name"], str(model["versions"]), aliases or "-", model["updated"]])
    return _columns(rows)


def render_versions(name: str, found: list[Version]) -> str:
    """`registry versions NAME` as text: one row per version, its metrics below it."""
    lines = [f"{name}: {len(found)} version{'s' if len(found) != 1 else ''}"]
    rows = [["version", "aliases", "created", "run", "gate"]]
    for version in found:
        aliases = " ".join(f"@{alias}" for alias in version.aliases) or "-"
        rows.append([version.version, aliases, version.created, version.run_name, version.gate])
    table = _columns(rows).splitlines()
    lines.append(table[0])
    for row, version in zip(table[1:], found, strict=True):
        lines.append(row)
        shown = "  ".join(f"{metric}={_fmt(value)}" for metric, value in version.metrics.items())
        lines.append(f"    {shown or '(no metrics)'}")
    return "\n".join(lines)


def compare(first: Version, second: Version) -> list[list[str]]:
    """Rows of a side-by-side comparison of parameters and metrics, differences marked."""
    rows = [["", "parameter", f"v{first.version}", f"v{second.version}", ""]]
    for key in sorted(set(first.params) | set(second.params)):
        a, b = first.params.get(key, "-"), second.params.get(key, "-")
        rows.append([DIFFERS if a != b else "", key, a, b, ""])
    rows.append(["", "metric", f"v{first.version}", f"v{second.version}", "change"])
    for key in sorted(set(first.metrics) | set(second.metrics)):
        a, b = first.metrics.get(key), second.metrics.get(key)
        change = f"{b - a:+.4g}" if a is not None and b is not None and a != b else ""
        mark = DIFFERS if a != b else ""
        rows.append([mark, key, _fmt(a), _fmt(b), change])
    return rows


def render_compare(name: str, first: Version, second: Version) -> str:
    """`registry compare NAME V1 V2` as text."""
    head = f"{name}: version {first.version} vs version {second.version} ({DIFFERS} = differs)"
    return head + "\n" + _columns(compare(first, second))


def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}"


def _when(timestamp_ms: int | None) -> str:
    if not timestamp_ms:
        return "-"
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _quote(name: str) -> str:
    return name.replace("'", "\\'")
