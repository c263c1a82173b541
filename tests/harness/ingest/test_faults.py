"""Fault specs as the CLI takes them, and how repeated flags for a route combine."""

from __future__ import annotations

import re

import pytest

from harness.ingest.errors import IngestError
from harness.ingest.faults import ANY_ROUTE, SESSION_START, TRACES, Fault, FaultTable, parse_fault


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (f"{TRACES}=500", (TRACES, Fault(status=500))),
        (f"{SESSION_START}=delay:2.5", (SESSION_START, Fault(delay=2.5))),
        (f"{SESSION_START}=delay:0", (SESSION_START, Fault(delay=0.0))),
        ("*=refuse", (ANY_ROUTE, Fault(refuse=True))),
    ],
)
def test_valid_specs(spec: str, expected: tuple[str, Fault]) -> None:
    assert parse_fault(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (TRACES, "fault must be ROUTE=STATUS|delay:SECONDS|refuse"),
        (f"{TRACES}=", "fault must be ROUTE=STATUS|delay:SECONDS|refuse"),
        ("/v1/sessions=500", "fault route must be one of"),
        (f"{TRACES}=teapot", "fault action must be STATUS, delay:SECONDS or refuse"),
        (f"{TRACES}=delay:soon", "fault delay must be a number of seconds, got 'soon'"),
        (f"{TRACES}=delay:-1", "fault delay must be >= 0 seconds"),
        (f"{TRACES}=999", "fault status must be an HTTP status 100-599, got 999"),
    ],
)
def test_invalid_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(IngestError, match=re.escape(message)):
        parse_fault(spec)


def test_repeated_faults_for_a_route_combine_and_set_replaces() -> None:
    table = FaultTable()
    table.add(TRACES, Fault(delay=1.0))
    table.add(TRACES, Fault(status=503))
    assert table.for_route(TRACES) == Fault(status=503, delay=1.0)
    table.set(TRACES, Fault(refuse=True))
    assert table.for_route(TRACES) == Fault(refuse=True)


def test_any_route_is_the_fallback_for_sdk_routes_only() -> None:
    table = FaultTable()
    table.set(ANY_ROUTE, Fault(status=500))
    table.set(TRACES, Fault(status=429))
    assert table.for_route(SESSION_START) == Fault(status=500)
    assert table.for_route(TRACES) == Fault(status=429)
    assert table.for_route("/_ingest/health") is None
    table.clear()
    assert table.for_route(SESSION_START) is None
