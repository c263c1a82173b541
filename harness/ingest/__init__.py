"""A local HoneyHive-compatible endpoint: session start, OTLP traces, faults, read-back.

`IngestServer` runs it in-process (tests); `python -m harness ingest` runs it standalone.
"""

from harness.ingest.faults import ANY_ROUTE, SDK_ROUTES, SESSION_START, TRACES, Fault
from harness.ingest.server import IngestServer

__all__ = ["ANY_ROUTE", "SDK_ROUTES", "SESSION_START", "TRACES", "Fault", "IngestServer"]
