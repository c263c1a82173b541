"""Reading spans back the way an AWS run does: honeyhive's own `events.export` client (the
suite's `HoneyHiveSpans`), against the local HoneyHive-compatible ingest, which serves the
same read route (`POST /v1/events/export`) over the spans exported to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from harness.ingest import SESSION_START, TRACES, IngestServer
from harness.postdeploy.spans import HoneyHiveSpans, SpanRecord, collect
from harness.secret import Secret

WRITE_KEY = "hh_write_0123456789"
READ_KEY = "hh_read_0123456789"


def _span(
    session_id: str, span_id: str, name: str, parent: str | None, kind: str
) -> dict[str, Any]:
    attributes = [
        {"key": "honeyhive.session_id", "value": {"stringValue": session_id}},
        {"key": "honeyhive_event_type", "value": {"stringValue": kind}},
    ]
    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": span_id,
        "parentSpanId": parent or "",
        "name": name,
        "startTimeUnixNano": "1000000",
        "endTimeUnixNano": "2000000",
        "attributes": attributes,
    }


def _export(ingest: IngestServer, key: str, spans: list[dict[str, Any]]) -> None:
    body = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    answer = requests.post(
        ingest.url + TRACES,
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def ingest() -> Iterator[IngestServer]:
    with IngestServer() as running:
        yield running


def test_spans_are_the_sessions_events_read_with_the_read_key(ingest: IngestServer) -> None:
    session = requests.post(
        ingest.url + SESSION_START,
        json={"session": {"session_name": "honeyhive-t-basic-tracing"}},
        headers={"Authorization": f"Bearer {WRITE_KEY}"},
        timeout=10,
    ).json()["session_id"]
    _export(
        ingest,
        WRITE_KEY,
        [
            _span(session, "b7ad6b7169203331", "basic_tracing.handle", None, "chain"),
            _span(
                session, "c7ad6b7169203332", "basic_tracing.validate", "b7ad6b7169203331", "tool"
            ),
            _span("another-session", "d7ad6b7169203333", "not.ours", None, "tool"),
        ],
    )
    source = HoneyHiveSpans(Secret(READ_KEY), ingest.url)
    assert source.description == f"HoneyHive's API at {ingest.url}"
    found = collect(source, {session: {"basic_tracing.handle", "basic_tracing.validate"}})
    assert found == {
        session: [
            SpanRecord("basic_tracing.handle", session, "b7ad6b7169203331"),
            SpanRecord("basic_tracing.validate", session, "c7ad6b7169203332"),
        ]
    }
    assert ingest.tokens_seen()["/v1/events/export"] == {READ_KEY}
    export_requests = [r for r in ingest.requests() if r["path"] == "/v1/events/export"]
    assert export_requests and all(r["outcome"] == 200 for r in export_requests)


def test_an_unknown_session_has_no_spans_yet(ingest: IngestServer) -> None:
    found = collect(
        HoneyHiveSpans(Secret(READ_KEY), ingest.url), {"never-started": {"x"}}, deadline_s=0
    )
    assert found == {"never-started": []}


def test_the_read_route_needs_a_key_and_a_session_filter(ingest: IngestServer) -> None:
    route = ingest.url + "/v1/events/export"
    body = {"filters": [{"field": "session_id", "operator": "is", "value": "s"}]}
    assert requests.post(route, json=body, timeout=10).status_code == 401
    bad = {"filters": [{"field": "event_type", "operator": "is", "value": "tool"}]}
    answer = requests.post(
        route, json=bad, headers={"Authorization": f"Bearer {READ_KEY}"}, timeout=10
    )
    assert answer.status_code == 400 and "session_id" in answer.json()["error"]


def test_search_serves_the_same_events_as_export(ingest: IngestServer) -> None:
    """HoneyHive's non-deprecated read route: same filter, `count` instead of `totalEvents`,
    `limit` capped at 1000."""
    session = requests.post(
        ingest.url + SESSION_START,
        json={"session": {"session_name": "honeyhive-t-working-sdk-test"}},
        headers={"Authorization": f"Bearer {WRITE_KEY}"},
        timeout=10,
    ).json()["session_id"]
    _export(
        ingest, WRITE_KEY, [_span(session, "e7ad6b7169203334", "working_sdk_test", None, "tool")]
    )
    body: dict[str, Any] = {
        "filters": [{"field": "session_id", "operator": "is", "value": session}],
        "limit": 50,
    }
    headers = {"Authorization": f"Bearer {READ_KEY}"}
    exported = requests.post(
        ingest.url + "/v1/events/export", json=body, headers=headers, timeout=10
    )
    searched = requests.post(
        ingest.url + "/v1/events/search", json=body, headers=headers, timeout=10
    )
    assert searched.status_code == exported.status_code == 200
    assert searched.json()["events"] == exported.json()["events"]
    assert searched.json()["count"] == exported.json()["totalEvents"] == 2  # session + span
    too_many = requests.post(
        ingest.url + "/v1/events/search", json={**body, "limit": 5000}, headers=headers, timeout=10
    )
    assert too_many.status_code == 400 and "limit must be 1 to 1000" in too_many.json()["error"]
