"""The base of every error the program's modules raise on purpose, and the exit codes every
command of this repository shares (`python -m layer`, `python -m harness ...`)."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
"""The check ran and failed: a violation, a function error, a failed test, a leak, a layer
Lambda would refuse."""
EXIT_CANNOT_RUN: Final = 2
"""The check could not run: bad usage or config, a missing tool, an emulator or pip that broke."""


class InfraError(Exception):
    """Bad config, a missing artefact or handler: the message names the value and the fix."""


class ProblemList(Exception):
    """An error that reports every problem at once (one line each, with its fix), so a user
    fixes a config in one pass; mixed into each package's config error."""

    problems: list[str]

    def __init__(self, heading: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{heading}:\n{lines}")
