"""What the ingest server received: sessions, spans, bearer tokens, requests, secret sightings.

Every read returns a copy, so callers can inspect it while requests keep arriving.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections import defaultdict
from typing import Any


class Store:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, Any]] = {}
        self._session_events: dict[str, dict[str, Any]] = {}
        self._spans: list[dict[str, Any]] = []
        self._tokens: defaultdict[str, set[str]] = defaultdict(set)
        self._requests: list[dict[str, Any]] = []
        self._secret_hits: list[dict[str, str]] = []

    # --- writes (the request handler) ---------------------------------------------------------

    def start_session(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Record a started session; reply with the full session event the real API returns."""
        session_id = str(fields.get("session_id") or uuid.uuid4())
        now_ms = time.time() * 1000
        event: dict[str, Any] = {
            "event_id": str(uuid.uuid4()),
            "session_id": session_id,
            "parent_id": None,
            "children_ids": [],
            "event_type": "session",
            "event_name": fields.get("session_name"),
            "source": fields.get("source"),
            "inputs": fields.get("inputs"),
            "metadata": fields.get("metadata"),
            "org_id": "local-org",
            "workspace_id": "local-workspace",
            "project_id": "local-project",
            "start_time": now_ms,
            "end_time": now_ms,
        }
        with self._lock:
            record = self._session_record(session_id)
            record["started"] = True
            record["request"] = copy.deepcopy(fields)
            self._session_events[session_id] = copy.deepcopy(event)
        return event

    def add_spans(self, spans: list[dict[str, Any]]) -> None:
        with self._lock:
            for span in spans:
                self._spans.append(span)
                if span["sessionId"]:
                    self._session_record(span["sessionId"])["spanCount"] += 1

    def saw_token(self, route: str, token: str) -> None:
        with self._lock:
            self._tokens[route].add(token)

    def saw_secret(self, route: str, where: str) -> None:
        with self._lock:
            self._secret_hits.append({"route": route, "where": where})

    def saw_request(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(record)

    def _session_record(self, session_id: str) -> dict[str, Any]:
        return self._sessions.setdefault(
            session_id, {"sessionId": session_id, "started": False, "request": None, "spanCount": 0}
        )

    # --- reads --------------------------------------------------------------------------------

    def sessions(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._sessions)

    def spans(self, session_id: str | None) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy([s for s in self._spans if s["sessionId"] == session_id])

    def events(self, session_id: str) -> list[dict[str, Any]]:
        """The session as HoneyHive's events export shows it: its session event (when the SDK
        started it through the API), then one event per span."""
        with self._lock:
            session_event = self._session_events.get(session_id)
            spans = [s for s in self._spans if s["sessionId"] == session_id]
            events = [copy.deepcopy(session_event)] if session_event else []
            root = session_event["event_id"] if session_event else None
            events += [_span_event(span, root) for span in spans]
        return events

    def all_spans(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._spans)

    def tokens_seen(self) -> dict[str, set[str]]:
        with self._lock:
            return {route: set(tokens) for route, tokens in self._tokens.items()}

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._requests)

    def secret_hits(self) -> list[dict[str, str]]:
        with self._lock:
            return copy.deepcopy(self._secret_hits)


def _span_event(span: dict[str, Any], session_event_id: str | None) -> dict[str, Any]:
    attributes = span["attributes"]
    return {
        "event_id": span["spanId"],
        "session_id": span["sessionId"],
        "parent_id": span["parentSpanId"] or session_event_id,
        "event_type": attributes.get("honeyhive_event_type", "tool"),
        "event_name": span["name"],
        "project_id": "local-project",
        "start_time": span["startTimeUnixNano"] / 1e6,
        "end_time": span["endTimeUnixNano"] / 1e6,
        "metadata": {k: v for k, v in attributes.items() if k.startswith("honeyhive_metadata.")},
    }
