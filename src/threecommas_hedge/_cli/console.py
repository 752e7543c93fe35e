"""Consoles, exit codes, the spinner and the one error type the commands raise.

Output goes to stdout, messages and the spinner to stderr. ``NO_COLOR`` (any non-empty value)
turns every style off, not just colours, so no ANSI escape is written. The width comes from the
terminal, or ``COLUMNS``, else 80 columns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

EXIT_OK = 0
EXIT_FAILURE = 1
"""The API or the network failed, or the user declined a confirmation."""
EXIT_USAGE = 2
"""A flag is missing or wrong, or the environment lacks what the command needs."""


class CliError(Exception):
    """A failure to report as one line (``Error: <message>``) with an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def flag_error(flag: str, rule: str) -> CliError:
    """A usage error naming the flag: ``--sl: must be above the entry``."""
    return CliError(f"{flag}: {rule}", EXIT_USAGE)


def make_console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr) that honours ``NO_COLOR`` and ``COLUMNS``."""
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=stderr,
        color_system=None if plain else "auto",
        no_color=plain,
        highlight=False,
        emoji=False,
    )


@contextmanager
def waiting(console: Console, message: str) -> Iterator[None]:
    """Show a spinner with ``message`` while the block runs, only when stderr is a terminal."""
    isatty = getattr(console.file, "isatty", None)
    if isatty is not None and isatty():
        with console.status(message):
            yield
    else:
        yield
