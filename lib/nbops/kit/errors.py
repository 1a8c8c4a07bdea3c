"""The errors kit helpers raise inside a notebook: one base class, each message says what to fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class KitError(ValueError):
    """A helper cannot go on with the data or the Configs value it was given.

    The message names the parameter or column at fault and what to change; the notebook shows it
    as the cell's error and `nbops run` records it in run.json.
    """


class DataError(KitError):
    """The data cannot be used as given: the message says what is wrong and what to change."""


class DriftDetectedError(KitError):
    """The share of drifted columns reached the threshold and the run was asked to fail on it."""


def did_you_mean(name: str, choices: Iterable) -> str:
    """A hint for an unknown name: the closest choice, else the list of choices."""
    choices = [str(choice) for choice in choices]
    match = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {match[0]!r}?)" if match else f" (columns: {', '.join(choices)})"
