"""Errors of harness.postdeploy."""

from __future__ import annotations

from harness.errors import HarnessError


class SuiteError(HarnessError):
    """The base of the post-deploy suite's errors: the target or its outputs cannot be used."""


class TargetError(SuiteError):
    """The outputs cannot be used; the message names the source, the problem and the fix."""


class PulumiMissing(TargetError):
    """`--stack` needs the Pulumi CLI, and it is not on PATH."""


class ServeFailed(SuiteError):
    """`serve` exited or did not get ready; the message ends with its log."""
