"""The policy gate's errors: why a check could not run."""

from __future__ import annotations

from harness.errors import HarnessError


class GateError(HarnessError):
    """The base of the gate's errors: the check could not run (never a pass)."""


class PolicyConfigError(GateError):
    """The policy config is malformed or does not fit the pack's schema."""


class AnalyzerError(GateError):
    """An Analyzer RPC failed (the pack raised, or died)."""


class PackStartError(GateError):
    """The pack did not come up; the message carries its stderr."""
