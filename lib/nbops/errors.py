"""The one exception hierarchy of nbops: every error knows its exit code and reads as one line."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class NbopsError(Exception):
    """Base class: `str(error)` is one line that says what to fix."""

    exit_code = EXIT_FAILED


class BadInputError(NbopsError):
    """Input rejected before anything ran: parameters, paths, names, config."""

    exit_code = EXIT_BAD_INPUT


class ParameterError(BadInputError):
    """A parameter is unknown, malformed or cannot be coerced to its declared type."""


class NotebookError(BadInputError):
    """A notebook cannot be read or lacks what the command needs (kernelspec, parameters cell)."""


class RunFailedError(NbopsError):
    """The notebook ran and a cell raised: the partial run is kept."""

    exit_code = EXIT_FAILED


class RunInterruptedError(NbopsError):
    """The run was stopped by SIGINT or SIGTERM: the partial run is kept."""

    exit_code = EXIT_INTERRUPTED


class RunRecordError(NbopsError):
    """run.json could not be written (full disk, folder gone): the outcome is unrecorded."""

    exit_code = EXIT_FAILED
