"""The ingest server over HTTP: auth, what it records, faults, read routes, lifecycle."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from harness.ingest import ANY_ROUTE, SESSION_START, TRACES, IngestServer
from harness.ingest.errors import IngestError
from tests.harness.local.fixtures import wait_until

KEY = "hh_test_server_key_0123456789"
SESSION_FIELDS: dict[str, Any] = {
    "session_name": "unit",
    "source": "pytest",
    "project": "p",
    "inputs": {"q": 1},
}
EMPTY_EXPORT = json.dumps({"resourceSpans": []}).encode()


@pytest.fixture
def server() -> Iterator[IngestServer]:
    with IngestServer(api_key=KEY, secret=KEY) as running:
        yield running


def start_session(server: IngestServer, **headers: str) -> requests.Response:
    return requests.post(
        server.url + SESSION_START, json={"session": SESSION_FIELDS}, headers=headers, timeout=10
    )


def export(
    server: IngestServer, body: bytes = EMPTY_EXPORT, headers: dict[str, str] | None = None
) -> requests.Response:
    sent = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", **(headers or {})}
    return requests.post(server.url + TRACES, data=body, headers=sent, timeout=10)


# --- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer "}, {"Authorization": KEY}],
    ids=["none", "basic", "empty-bearer", "no-scheme"],
)
def test_sdk_routes_need_a_bearer_token(server: IngestServer, headers: dict[str, str]) -> None:
    assert start_session(server, **headers).status_code == 401
    headers = {"Content-Type": "application/json", **headers}
    response = requests.post(server.url + TRACES, data=EMPTY_EXPORT, headers=headers, timeout=10)
    assert response.status_code == 401
    assert server.sessions() == {}


def test_a_configured_key_refuses_other_tokens(server: IngestServer) -> None:
    response = start_session(server, Authorization="Bearer someone-else")
    assert (response.status_code, response.json()) == (401, {"error": "invalid API key"})
    assert export(server, headers={"Authorization": "Bearer someone-else"}).status_code == 401


def test_without_a_configured_key_any_bearer_token_is_accepted() -> None:
    with IngestServer() as open_server:
        assert start_session(open_server, Authorization="Bearer anything").status_code == 200


def test_session_start_answers_what_the_sdk_client_parses(server: IngestServer) -> None:
    """honeyhive's own client (its response model requires org/workspace/project ids)."""
    from honeyhive import HoneyHive  # here: ~2.4 s to import, and every worker collects this file

    client = HoneyHive(api_key=KEY, base_url=server.url)
    started = client.sessions.start({"session": SESSION_FIELDS})
    assert started.event_name == "unit"
    record = server.sessions()[started.session_id]
    assert record == {
        "sessionId": started.session_id,
        "started": True,
        "request": SESSION_FIELDS,
        "spanCount": 0,
    }


def test_session_start_keeps_a_session_id_the_caller_chose(server: IngestServer) -> None:
    fields = {**SESSION_FIELDS, "session_id": "11111111-2222-4333-8444-555555555555"}
    response = requests.post(
        server.url + SESSION_START,
        json={"session": fields},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )
    assert response.json()["session_id"] == fields["session_id"]


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"no_session": {}}', b'{"session": 3}'], ids=str
)
def test_session_start_refuses_malformed_bodies(server: IngestServer, body: bytes) -> None:
    response = requests.post(
        server.url + SESSION_START,
        data=body,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400


# --- tokens and secret sightings ---------------------------------------------------------------


def test_tokens_are_recorded_per_route_including_refused_ones(server: IngestServer) -> None:
    start_session(server, Authorization=f"Bearer {KEY}")
    start_session(server, Authorization="Bearer wrong")
    export(server)
    assert server.tokens_seen() == {SESSION_START: {KEY, "wrong"}, TRACES: {KEY}}


def test_the_secret_in_authorization_only_is_no_sighting(server: IngestServer) -> None:
    start_session(server, Authorization=f"Bearer {KEY}")
    export(server)
    assert server.secret_hits() == []


@pytest.mark.parametrize(
    ("send", "where"),
    [
        (lambda s: export(s, headers={"X-Api-Key": KEY}), "header:X-Api-Key"),
        (lambda s: export(s, json.dumps({"resourceSpans": [], "k": KEY}).encode()), "body"),
        (lambda s: export(s, gzip.compress(KEY.encode()), {"Content-Encoding": "gzip"}), "body"),
        (
            lambda s: requests.post(
                s.url + SESSION_START,
                json={"session": {"metadata": {"leak": KEY}}},
                headers={"Authorization": f"Bearer {KEY}"},
                timeout=10,
            ),
            "body",
        ),
    ],
    ids=["other-header", "json-body", "gzip-body", "session-body"],
)
def test_the_secret_anywhere_else_is_recorded(server: IngestServer, send: Any, where: str) -> None:
    send(server)
    assert [hit["where"] for hit in server.secret_hits()] == [where]


def test_the_secret_in_the_query_string_is_recorded(server: IngestServer) -> None:
    requests.post(
        f"{server.url}{TRACES}?key={KEY}",
        data=EMPTY_EXPORT,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert [hit["where"] for hit in server.secret_hits()] == ["path"]


# --- faults --------------------------------------------------------------------------------------


def test_status_fault_fails_the_route_and_clears(server: IngestServer) -> None:
    server.set_fault(TRACES, status=500)
    assert export(server).status_code == 500
    assert start_session(server, Authorization=f"Bearer {KEY}").status_code == 200
    server.clear_faults()
    assert export(server).status_code == 200
    assert [r["outcome"] for r in server.requests() if r["path"] == TRACES] == [500, 200]


def test_delay_fault_holds_the_answer(server: IngestServer) -> None:
    """Held past the client's own timeout, then answered normally once the fault is gone."""
    server.set_fault(SESSION_START, delay=600)
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            server.url + SESSION_START,
            json={"session": {}},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=0.5,
        )
    server.clear_faults()
    assert start_session(server, Authorization=f"Bearer {KEY}").status_code == 200


def test_refuse_fault_drops_the_connection_without_an_answer(server: IngestServer) -> None:
    server.set_fault(TRACES, refuse=True)
    with pytest.raises(requests.ConnectionError):
        export(server)
    assert server.requests()[-1]["outcome"] == "refused"
    assert server.tokens_seen() == {TRACES: {KEY}}, "a refused request is still recorded"


def test_any_route_fault_applies_where_no_route_fault_is_set(server: IngestServer) -> None:
    server.set_fault(ANY_ROUTE, status=503)
    server.set_fault(TRACES, status=429)
    assert start_session(server, Authorization=f"Bearer {KEY}").status_code == 503
    assert export(server).status_code == 429


def test_faults_come_before_auth(server: IngestServer) -> None:
    server.set_fault(TRACES, status=502)
    assert export(server, headers={"Authorization": "Bearer wrong"}).status_code == 502


def test_fault_on_an_unknown_route_is_refused(server: IngestServer) -> None:
    with pytest.raises(IngestError, match="fault route must be one of"):
        server.set_fault("/v1/sessions", status=500)


def test_stop_cuts_an_injected_delay_short() -> None:
    server = IngestServer(api_key=KEY).start()
    server.set_fault(TRACES, delay=600)
    outcome: list[BaseException | int] = []

    def call() -> None:
        try:
            outcome.append(export(server).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    wait_until(lambda: bool(server.tokens_seen()), 30, "the delayed request")
    server.stop()
    caller.join(timeout=60)  # the delay is 600 s: only stop() can end the call before this
    assert not caller.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)


# --- read routes ---------------------------------------------------------------------------------


def test_read_routes_serve_sessions_and_spans(server: IngestServer) -> None:
    session_id = start_session(server, Authorization=f"Bearer {KEY}").json()["session_id"]
    span = {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": "b7ad6b7169203331",
        "name": "s",
        "startTimeUnixNano": "1",
        "endTimeUnixNano": "2",
        "attributes": [{"key": "honeyhive.session_id", "value": {"stringValue": session_id}}],
    }
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    assert export(server, json.dumps(body).encode()).status_code == 200

    health = requests.get(server.url + "/_ingest/health", timeout=10)
    assert health.json() == {"status": "ok", "sessions": 1}
    sessions = requests.get(server.url + "/_ingest/sessions", timeout=10).json()
    assert sessions[session_id]["spanCount"] == 1
    (read,) = requests.get(f"{server.url}/_ingest/sessions/{session_id}/spans", timeout=10).json()
    assert read["name"] == "s"
    assert (read["traceId"], read["spanId"], read["parentSpanId"]) == (
        span["traceId"],
        span["spanId"],
        None,
    )
    assert (read["startTimeUnixNano"], read["endTimeUnixNano"]) == (1, 2)
    assert read["attributes"] == {"honeyhive.session_id": session_id}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_ingest/sessions/unknown/spans"),
        ("GET", "/_ingest/nothing"),
        ("POST", "/v1/sessions"),
    ],
)
def test_unknown_routes_and_sessions_are_404(server: IngestServer, method: str, path: str) -> None:
    response = requests.request(method, server.url + path, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]


# --- lifecycle -----------------------------------------------------------------------------------


def test_servers_bind_free_ports_and_stop_cleanly() -> None:
    first, second = IngestServer(), IngestServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = first.url
    with first, second:
        assert first.url != second.url
        assert first.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already started"):
            first.start()
        url = first.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/_ingest/health", timeout=2)
