"""Errors of running a Pulumi program offline."""

from __future__ import annotations

from harness.errors import HarnessError


class ProgramError(HarnessError):
    """The base of the errors of running a program offline."""


class ProgramRefused(ProgramError):
    """The program did not complete: it refused its config (a `RunError`, its own message) or
    crashed. A gate that cannot see the whole program fails."""
