"""CloudWatch Logs for the local runtime: every event a function's environments write, in its log
group, one stream per environment, searchable with FilterLogEvents as on AWS. An event is a
printed line, a framed log record (several lines, if it has them) or a platform line, with its
own time (log_event.py); within a stream the times never go back, so the events keep the order
in which they were filed.

The store and the search are moto's CloudWatch Logs backend (its filter patterns, streams and
pagination); this module files the lines and answers the JSON protocol's calls the suite makes
(`Logs_20140328.FilterLogEvents`, plus the stream and group listings) at the local Lambda
endpoint, so `boto3.client("logs", endpoint_url=...)` reads them as it reads AWS.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from harness.local.log_event import LogEvent

if TYPE_CHECKING:
    from moto.logs.models import LogsBackend

TARGET_PREFIX = "Logs_20140328."
ACCOUNT = "123456789012"


class LocalLogs:
    """One region's log groups. Thread-safe: environments write while the suite searches."""

    def __init__(self, region: str) -> None:
        self._region = region
        self._store: LogsBackend | None = None
        self._pending: list[tuple[str, str, list[dict[str, Any]]]] = []
        self._lock = threading.Lock()
        self._last_ms: dict[tuple[str, str], int] = {}

    def record(self, log_group: str, stream: str, events: Sequence[LogEvent]) -> None:
        """File `events` in `stream` (created, with its group, on first use); blank ones are
        dropped, as CloudWatch drops empty messages."""
        kept = [event for event in events if event.message.strip()]
        if not kept:
            return
        with self._lock:
            last = self._last_ms.get((log_group, stream), 0)
            filed = []
            for event in kept:
                last = max(last, event.timestamp_ms)
                filed.append({"timestamp": last, "message": event.message})
            self._last_ms[(log_group, stream)] = last
            self._pending.append((log_group, stream, filed))

    def _backend(self) -> LogsBackend:
        """moto's store, with every event recorded so far filed into it in order; call it with
        the lock held. Created on the first read: moto takes ~0.8 s to import, and a one-shot
        `harness local invoke` never reads its logs back."""
        if self._store is None:
            from moto.logs.models import LogsBackend  # noqa: PLC0415 - see the docstring

            self._store = LogsBackend(self._region, ACCOUNT)
        store = self._store
        for log_group, stream, events in self._pending:
            if log_group not in store.groups:
                store.create_log_group(log_group, tags={})
            if stream not in store.groups[log_group].streams:
                store.create_log_stream(log_group, stream)
            store.put_log_events(log_group, stream, events)
        self._pending.clear()
        return store

    def _filter(self, params: Mapping[str, Any]) -> dict[str, Any]:
        events, token, searched = self._backend().filter_log_events(
            params["logGroupName"],
            params.get("logStreamNames") or [],
            params.get("startTime"),
            params.get("endTime"),
            params.get("limit"),
            params.get("nextToken"),
            params.get("filterPattern") or "",
            bool(params.get("interleaved", False)),
        )
        return {"events": events, "nextToken": token, "searchedLogStreams": searched}

    def _streams(self, params: Mapping[str, Any]) -> dict[str, Any]:
        group = self._backend().groups.get(params["logGroupName"])
        if group is None:
            return _error("ResourceNotFoundException", "The specified log group does not exist.")
        prefix = params.get("logStreamNamePrefix") or ""
        streams = [
            s.to_describe_dict() for name, s in group.streams.items() if name.startswith(prefix)
        ]
        return {"logStreams": streams}

    def _groups(self, params: Mapping[str, Any]) -> dict[str, Any]:
        prefix = params.get("logGroupNamePrefix") or ""
        groups = [
            {"logGroupName": name, "arn": group.arn}
            for name, group in self._backend().groups.items()
            if name.startswith(prefix)
        ]
        return {"logGroups": groups}

    def handle(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one call of the Logs JSON protocol."""
        from moto.logs.exceptions import LogsClientError  # noqa: PLC0415 - see _backend

        operations: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "FilterLogEvents": self._filter,
            "DescribeLogStreams": self._streams,
            "DescribeLogGroups": self._groups,
        }
        operation = operations.get(target.removeprefix(TARGET_PREFIX))
        if operation is None:
            return 400, _error("UnknownOperationException", f"{target} is not served locally")
        try:
            params = json.loads(body or b"{}")
        except ValueError as exc:
            return 400, _error("SerializationException", f"the body is not JSON: {exc}")
        if not isinstance(params, dict):
            return 400, _error("SerializationException", "the body must be a JSON object")
        try:
            with self._lock:
                answer = operation(params)
        except LogsClientError as exc:
            return exc.code, _error(exc.error_type, exc.message)
        except KeyError as exc:
            return 400, _error("InvalidParameterException", f"missing parameter {exc}")
        except Exception as exc:  # noqa: BLE001 - moto trusts the types: e.g. a string startTime
            given = ", ".join(f"{name}: {_json_type(value)}" for name, value in params.items())
            return 400, _error(
                "InvalidParameterException",
                f"{target.removeprefix(TARGET_PREFIX)} cannot take these parameters ({given}): "
                f"{type(exc).__name__}: {exc}",
            )
        return (400 if "__type" in answer else 200), answer


def _json_type(value: object) -> str:
    names = {str: "string", bool: "boolean", int: "number", float: "number", list: "array"}
    return names.get(type(value), "object" if isinstance(value, dict) else "null")


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"__type": kind, "message": message}
