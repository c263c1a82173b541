"""The HTTP side of the local HoneyHive-compatible endpoint.

Routes (what honeyhive 1.7 calls, plus read-back for callers in other processes):
- `POST /session/start`, body `{"session": {...}}` -> the session event (`session_id`,
  `event_id`, `org_id`, `workspace_id`, `project_id`, ...: the SDK's response model requires them).
- `POST /opentelemetry/v1/traces`, OTLP JSON or protobuf, gzip/deflate accepted.
- `POST /v1/events/export` and `POST /v1/events/search` (HoneyHive's read API, bearer auth): one
  session's events, i.e. its session event and one event per span. honeyhive 1.7's client
  (`HoneyHive(...).events.export`) reads through export, which HoneyHive's API reference marks
  deprecated in favour of search (response `count` instead of `totalEvents`, `limit` at most
  1000); both are served so a client of either works here.
- `GET /_ingest/health`, `GET /_ingest/sessions`, `GET /_ingest/sessions/{id}/spans` (no auth).

Both SDK routes need `Authorization: Bearer <token>` (401 without; with `api_key` set, the token
must be that key). Every request to them is recorded before faults and auth apply: its bearer
token, and any sighting of `secret` outside the Authorization header (path, other headers, raw or
decompressed body). HTTP/1.0: one request per connection, so `refuse` is a connection closed
without a response.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from harness.background_server import BackgroundServer
from harness.ingest.errors import DecodeError, UnsupportedMediaType
from harness.ingest.faults import SDK_ROUTES, SESSION_START, Fault, FaultTable
from harness.ingest.otlp import PROTOBUF_TYPE, decode_traces, decompress
from harness.ingest.store import Store

EVENTS_EXPORT = "/v1/events/export"
EVENTS_SEARCH = "/v1/events/search"
SEARCH_LIMIT_MAX = 1000
_SPANS_ROUTE = re.compile(r"^/_ingest/sessions/(?P<session_id>[^/]+)/spans$")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        store: Store,
        faults: FaultTable,
        api_key: str | None,
        secret: str | None,
    ) -> None:
        super().__init__(address, _Handler)
        self.store = store
        self.faults = faults
        self.api_key = api_key
        self.secret = secret
        self.stopping = threading.Event()  # cuts injected delays short on shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that hung up (their timeout ran out during an injected delay)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "honeyhive-ingest/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the store is the log."""

    # --- read routes --------------------------------------------------------------------------

    def do_GET(self) -> None:
        store = self.server.store
        route = urlsplit(self.path).path
        if route == "/_ingest/health":
            self._json(200, {"status": "ok", "sessions": len(store.sessions())})
        elif route == "/_ingest/sessions":
            self._json(200, store.sessions())
        elif match := _SPANS_ROUTE.match(route):
            session_id = unquote(match["session_id"])
            if session_id in store.sessions():
                self._json(200, store.spans(session_id))
            else:
                self._json(404, {"error": f"unknown session {session_id!r}"})
        else:
            self._json(404, {"error": f"no route GET {route}"})

    # --- SDK routes ---------------------------------------------------------------------------

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route = urlsplit(self.path).path
        token = self._observe(route, body)
        if route in {EVENTS_EXPORT, EVENTS_SEARCH}:
            if self._authorized(token):
                self._read_events(body, search=route == EVENTS_SEARCH)
            return
        if route not in SDK_ROUTES:
            self._json(404, {"error": f"no route POST {route}"})
            return
        fault = self.server.faults.for_route(route)
        if fault is not None and self._apply(fault):
            return
        if not self._authorized(token):
            return
        if route == SESSION_START:
            self._start_session(body)
        else:
            self._export_traces(body)

    def _authorized(self, token: str | None) -> bool:
        """Whether the bearer token may call the API; answers 401 when not."""
        if token is None:
            self._json(401, {"error": "missing Authorization: Bearer <api key>"})
        elif self.server.api_key is not None and token != self.server.api_key:
            self._json(401, {"error": "invalid API key"})
        else:
            return True
        return False

    def _observe(self, route: str, body: bytes) -> str | None:
        """Record the bearer token and any sighting of the secret; return the token."""
        store = self.server.store
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" and token.strip() else None
        if bearer is not None:
            store.saw_token(route, bearer)
        secret = self.server.secret
        if secret:
            if secret in unquote(self.path):
                store.saw_secret(route, "path")
            for name, value in self.headers.items():
                if name.lower() != "authorization" and secret in value:
                    store.saw_secret(route, f"header:{name}")
            if secret.encode() in body or secret.encode() in self._decoded_or_raw(body):
                store.saw_secret(route, "body")
        return bearer

    def _decoded_or_raw(self, body: bytes) -> bytes:
        try:
            return decompress(body, self.headers.get("Content-Encoding"))
        except DecodeError:
            return body

    def _apply(self, fault: Fault) -> bool:
        """Delay, then drop or fail the request; True when the request is finished."""
        if fault.delay and self.server.stopping.wait(fault.delay):
            fault = Fault(refuse=True)  # shutting down: do not answer late
        if fault.refuse:
            self.close_connection = True
            self._record("refused")
            return True
        if fault.status is not None:
            self._json(fault.status, {"error": f"injected fault: status {fault.status}"})
            return True
        return False

    def _start_session(self, body: bytes) -> None:
        try:
            document = json.loads(body)
        except ValueError as exc:
            self._json(400, {"error": f"body is not JSON: {exc}"})
            return
        fields = document.get("session") if isinstance(document, dict) else None
        if not isinstance(fields, dict):
            self._json(400, {"error": 'body must be {"session": {...}}'})
            return
        self._json(200, self.server.store.start_session(fields))

    def _export_traces(self, body: bytes) -> None:
        content_type = self.headers.get("Content-Type")
        try:
            spans = decode_traces(
                decompress(body, self.headers.get("Content-Encoding")), content_type
            )
        except UnsupportedMediaType as exc:
            self._json(415, {"error": str(exc)})
            return
        except DecodeError as exc:
            self._json(400, {"error": str(exc)})
            return
        self.server.store.add_spans(spans)
        if (content_type or "").startswith(PROTOBUF_TYPE):
            self._reply(200, ExportTraceServiceResponse().SerializeToString(), PROTOBUF_TYPE)
        else:
            self._json(200, {})

    def _read_events(self, body: bytes, *, search: bool) -> None:
        """HoneyHive's read routes for one session: the only filter supported is `session_id`
        `is` <id>. Search caps `limit` at 1000 and answers `count`; export answers
        `totalEvents` (what honeyhive 1.7 reads)."""
        try:
            request = json.loads(body)
            [session_filter] = request["filters"]
            if (session_filter["field"], session_filter["operator"]) != ("session_id", "is"):
                raise ValueError(session_filter)
            session_id = str(session_filter["value"])
            limit, page = int(request.get("limit", 1000)), int(request.get("page", 1))
            if search and not 1 <= limit <= SEARCH_LIMIT_MAX:
                raise ValueError(f"limit must be 1 to {SEARCH_LIMIT_MAX}, got {limit}")
        except (ValueError, KeyError, TypeError) as exc:
            self._json(
                400,
                {"error": f"this ingest reads one session: filters=[{{field: session_id, "
                 f"operator: is, value: <id>}}] ({type(exc).__name__}: {exc})"},
            )  # fmt: skip
            return
        events = self.server.store.events(session_id)
        start = max(page - 1, 0) * limit
        count_key = "count" if search else "totalEvents"
        self._json(200, {"events": events[start : start + limit], count_key: len(events)})

    # --- replies ------------------------------------------------------------------------------

    def _json(self, status: int, payload: Any) -> None:
        self._reply(status, json.dumps(payload).encode(), "application/json")

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self._record(status)  # before answering: a caller may look as soon as it has the answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, outcome: int | str) -> None:
        self.server.store.saw_request(
            {
                "method": self.command,
                "path": self.path,
                "contentType": self.headers.get("Content-Type"),
                "contentEncoding": self.headers.get("Content-Encoding"),
                "outcome": outcome,
            }
        )


class IngestServer(BackgroundServer[_HTTPServer]):
    """The endpoint on 127.0.0.1 (port 0: a free one), served from a background thread.

    Use as a context manager, or `start()`/`stop()`. `secret` is the value whose every
    appearance outside the Authorization header is recorded (`secret_hits()`).
    """

    what = "ingest server"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        secret: str | None = None,
    ) -> None:
        super().__init__()
        self._address = (host, port)
        self._api_key = api_key
        self._secret = secret
        self._store = Store()
        self._faults = FaultTable()

    def _make_server(self) -> _HTTPServer:
        return _HTTPServer(
            self._address,
            store=self._store,
            faults=self._faults,
            api_key=self._api_key,
            secret=self._secret,
        )

    def _before_shutdown(self, httpd: _HTTPServer) -> None:
        httpd.stopping.set()

    # --- faults -------------------------------------------------------------------------------

    def set_fault(
        self, route: str, *, status: int | None = None, delay: float = 0.0, refuse: bool = False
    ) -> None:
        """Replace the fault on `route` (one of `SDK_ROUTES`, or `*` for all of them)."""
        self._faults.set(route, Fault(status=status, delay=delay, refuse=refuse))

    def add_fault(self, route: str, fault: Fault) -> None:
        """Combine `fault` with the route's current fault (how repeated CLI flags add up)."""
        self._faults.add(route, fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    # --- what was received --------------------------------------------------------------------

    def sessions(self) -> dict[str, dict[str, Any]]:
        """Session id -> {sessionId, started (via /session/start), request, spanCount}."""
        return self._store.sessions()

    def spans(self, session_id: str | None) -> list[dict[str, Any]]:
        """Spans attributed to `session_id` (None: spans without a session), oldest first."""
        return self._store.spans(session_id)

    def all_spans(self) -> list[dict[str, Any]]:
        return self._store.all_spans()

    def tokens_seen(self) -> dict[str, set[str]]:
        """Route -> the bearer tokens that arrived on it."""
        return self._store.tokens_seen()

    def secret_hits(self) -> list[dict[str, str]]:
        """Where the secret appeared outside Authorization: [{route, where}]."""
        return self._store.secret_hits()

    def requests(self) -> list[dict[str, Any]]:
        """Every request: method, path, contentType, contentEncoding, outcome (status|'refused')."""
        return self._store.requests()
