"""A cold start's own log, read back through CloudWatch Logs' FilterLogEvents.

The invoke's `LogType=Tail` returns only the last 4 KB of the log, far less than an import
profile (about a thousand lines), so the lines come from the function's log group instead: the
stream that holds the request's REPORT line is the environment that served it, and its events
up to that line are the cold start (init, then the invocation). An event may hold several lines
(one write with newlines in it): each line is read, and tested for the REPORT line, on its own.
CloudWatch makes events searchable a few seconds after they are written, so the reader polls
until the REPORT line is there. The local target answers the same API at its endpoint
(harness/local).

Needs `logs:FilterLogEvents` on the function's log group (bootstrap/deployer_policy.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.postdeploy.errors import SuiteError

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

WAIT_S = 120
POLL_S = 2.0


class LogsNotFound(SuiteError):
    """The cold start's log did not become readable in time."""


def _is_report(message: str, request_id: str) -> bool:
    """The REPORT line of `request_id`, in the text or the JSON log format."""
    if message.startswith(f"REPORT RequestId: {request_id}"):
        return True
    if message.lstrip().startswith("{"):
        try:
            record = json.loads(message)
        except ValueError:
            return False
        inner = record.get("record") if isinstance(record, dict) else None
        return (
            record.get("type") == "platform.report"
            and isinstance(inner, dict)
            and inner.get("requestId") == request_id
        )
    return False


def _lines(event: dict[str, Any]) -> list[str]:
    """An event's lines: one event may hold several (a write with newlines in it)."""
    return str(event.get("message", "")).splitlines()


def _events(logs: CloudWatchLogsClient, **query: Any) -> list[dict[str, Any]]:
    """Every event FilterLogEvents returns for `query`, across its pages, in time order."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        paging: dict[str, Any] = {"nextToken": token} if token else {}
        page = logs.filter_log_events(**query, **paging)
        found.extend(dict(event) for event in page.get("events", []))
        token = page.get("nextToken")
        if not token:
            return sorted(found, key=lambda e: (e.get("timestamp", 0), e.get("ingestionTime", 0)))


def cold_start_lines(
    logs: CloudWatchLogsClient,
    log_group: str,
    request_id: str,
    since_ms: int,
    *,
    wait_s: float = WAIT_S,
    poll_s: float = POLL_S,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """The log lines of the environment that answered `request_id`, up to its REPORT line."""
    deadline = time.monotonic() + wait_s
    while True:
        mentions = _events(
            logs, logGroupName=log_group, startTime=since_ms, filterPattern=f'"{request_id}"'
        )
        stream = next(
            (
                e["logStreamName"]
                for e in mentions
                if any(_is_report(line, request_id) for line in _lines(e))
            ),
            None,
        )
        if stream is not None:
            lines = []
            for event in _events(
                logs, logGroupName=log_group, logStreamNames=[stream], startTime=since_ms
            ):
                for line in _lines(event):
                    lines.append(line)
                    if _is_report(line, request_id):
                        return lines
        if time.monotonic() >= deadline:
            raise LogsNotFound(
                f"{log_group}: no REPORT line for request {request_id} within {wait_s:.0f} s "
                "(CloudWatch Logs); is the log group the function's, and may this role call "
                "logs:FilterLogEvents on it?"
            )
        sleep(poll_s)
