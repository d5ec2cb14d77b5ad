"""The one exception type auditor raises for a user's mistake or a bad input.

The CLI maps every :class:`AuditorError` to exit status 2 with its message
(never a traceback); the library raises the subclasses so that callers can
tell a bad rule file from a bad path.
"""
from __future__ import annotations


class AuditorError(Exception):
    """A usage or input error: the message names the file, key or path at fault."""

    exit_code = 2


class InputError(AuditorError):
    """A path given on the command line does not exist or holds no documents."""


class RulesError(AuditorError):
    """A rule file is missing or malformed; the message names the file and entry."""


class PolicyError(AuditorError):
    """The policy file is missing or malformed; the message names the file and key."""


class OutputError(AuditorError):
    """An output destination cannot be written (missing, read-only, under a file, locked)."""


class FixError(AuditorError):
    """``auditor fix`` cannot run as asked (an --out inside an input folder, say)."""


class EngineError(AuditorError):
    """The cluster engine cannot run as asked (a Dask scheduler that cannot be reached, workers
    without auditor, a worker that died)."""
