"""Errors of harness.bench."""

from __future__ import annotations

from harness.errors import HarnessError


class BenchError(HarnessError):
    """The base of the benchmark's errors."""
