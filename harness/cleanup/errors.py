"""Errors of harness.cleanup."""

from __future__ import annotations

from harness.errors import HarnessError


class CleanupError(HarnessError):
    """The base of the clean-up commands' errors."""


class RegionError(CleanupError):
    pass
