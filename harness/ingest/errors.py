"""Errors of harness.ingest."""

from __future__ import annotations

from harness.errors import HarnessError


class IngestError(HarnessError):
    """The base of the ingest's errors."""


class DecodeError(IngestError):
    """The body is not a trace export in the declared encoding."""


class UnsupportedMediaType(DecodeError):
    """Neither JSON nor protobuf."""
