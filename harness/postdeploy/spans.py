"""Where the spans of a session are read back after the functions exported them.

- Local target: the ingest's read route, `GET {ingestUrl}/_ingest/sessions/{id}/spans`.
- AWS: HoneyHive's own read API, `POST {api}/v1/events/export` filtered on `session_id`
  (honeyhive's `HoneyHive(...).events.export`, `Authorization: Bearer <key>`), when a read key
  is configured: `HH_READ_API_KEY`. The API URL is the one the functions export to (their
  `HH_API_URL`), else `HH_API_URL` in this environment, else the SDK's default. HoneyHive
  ingests asynchronously, so `collect` polls until every session shows its spans or the
  deadline passes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from harness.secret import Secret
from infra.spec import ENV_API_URL

READ_KEY_VARIABLE = "HH_READ_API_KEY"
DEADLINE_S = 120.0
POLL_S = 5.0


@dataclass(frozen=True)
class SpanRecord:
    name: str
    session_id: str | None
    span_id: str = ""
    """The span's id (HoneyHive's event_id); "" when the source does not give it."""
    trace_id: str = ""
    """The OpenTelemetry trace id; "" when the source does not give it (HoneyHive's events)."""


class SpanSource(Protocol):
    description: str

    def fetch(self, session_id: str) -> list[SpanRecord]: ...


class IngestSpans:
    """The local HoneyHive-compatible ingest (an unknown session is one without spans)."""

    def __init__(self, ingest_url: str) -> None:
        self._url = ingest_url.rstrip("/")
        self.description = f"the local ingest at {self._url}"

    def fetch(self, session_id: str) -> list[SpanRecord]:
        url = f"{self._url}/_ingest/sessions/{quote(session_id, safe='')}/spans"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our ingest
                spans = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise
        return [
            SpanRecord(
                str(s.get("name")),
                s.get("sessionId"),
                str(s.get("spanId") or ""),
                str(s.get("traceId") or ""),
            )
            for s in spans
        ]


class HoneyHiveSpans:
    """HoneyHive's events export: the session's events, less the session event itself.

    Read the way the SDK under test reads: honeyhive 1.7's client calls `POST /v1/events/export`
    (`events.export`, `list_events`, ...). HoneyHive's API reference marks that route deprecated
    in favour of `POST /v1/events/search`, but the SDK's client does not call search yet (its
    generated `searchEvents` is unused); when it does, this follows. The local ingest serves
    both routes."""

    def __init__(self, api_key: Secret, api_url: str | None) -> None:
        from honeyhive import HoneyHive  # noqa: PLC0415 - only an AWS run with a read key pays

        self._client = HoneyHive(api_key=api_key.reveal(), base_url=api_url)
        self.description = f"HoneyHive's API at {api_url or 'the SDK default URL'}"

    def fetch(self, session_id: str) -> list[SpanRecord]:
        response = self._client.events.export(
            filters=[
                {"field": "session_id", "operator": "is", "value": session_id, "type": "string"}
            ],
            limit=100,
        )
        return events_to_spans([event.model_dump() for event in response.events])


def events_to_spans(events: list[dict[str, Any]]) -> list[SpanRecord]:
    return [
        SpanRecord(
            str(event.get("event_name")), event.get("session_id"), str(event.get("event_id") or "")
        )
        for event in events
        if event.get("event_type") != "session"
    ]


def span_source(
    ingest_url: str | None, environ: Mapping[str, str], function_api_url: str | None
) -> tuple[SpanSource | None, str | None]:
    """(where to read spans, None) or (None, why spans cannot be read back in this run)."""
    if ingest_url:
        return IngestSpans(ingest_url), None
    key = environ.get(READ_KEY_VARIABLE)
    if not key:
        return None, (
            f"spans are not read back: set {READ_KEY_VARIABLE} (a HoneyHive API key for the "
            "functions' project) to read them through HoneyHive's API"
        )
    url = function_api_url or environ.get(ENV_API_URL) or None
    return HoneyHiveSpans(Secret(key), url), None


def collect(
    source: SpanSource,
    expected: Mapping[str, set[str]],
    *,
    deadline_s: float = DEADLINE_S,
    poll_s: float = POLL_S,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, list[SpanRecord]]:
    """Each session's spans, polled until all `expected` span names are seen or time is up."""
    found: dict[str, list[SpanRecord]] = {session: [] for session in expected}
    pending = set(expected)
    ends = time.monotonic() + deadline_s
    while pending:
        for session in sorted(pending):
            found[session] = source.fetch(session)
            if expected[session] <= {span.name for span in found[session]}:
                pending.discard(session)
        if not pending or time.monotonic() + poll_s > ends:
            break
        sleep(poll_s)
    return found
