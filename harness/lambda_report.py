"""Lambda's per-invocation REPORT record: how AWS writes it, how it bills, and how to read it.

One module for both targets: the local runtime writes REPORT lines with `Report.text()` /
`Report.json_record()`, and the post-deploy suite reads them back with `parse_report()` from a
`LogType=Tail` log (`decode_log_result()`), whether AWS or the local runtime wrote them.

Formats (what AWS writes to CloudWatch and to the 4 KB log tail):
- Text: ``REPORT RequestId: <id>\\tDuration: 12.34 ms\\tBilled Duration: 13 ms\\tMemory Size:
  256 MB\\tMax Memory Used: 80 MB\\t`` then, on a cold start, ``Init Duration: 523.45 ms\\t``,
  then, when the invocation timed out or the runtime failed, ``Status: timeout`` or
  ``Status: error\\tError Type: Runtime.ExitError`` (no trailing tab after those).
- JSON (logging config `LogFormat=JSON`): a `{"time", "type": "platform.report", "record":
  {"requestId", "status", "metrics": {"durationMs", "billedDurationMs", "memorySizeMB",
  "maxMemoryUsedMB", "initDurationMs"?}, "errorType"?}}` object on its own line.

Billing: 1 ms granularity, rounded up. Since 2025-08-01 the INIT phase is billed for on-demand
ZIP functions on managed runtimes too ("AWS Lambda standardizes billing for INIT Phase", AWS
Compute Blog), and it is billed as one sum with the invoke: ``ceil(duration + init)``, not the
sum of two ceilings (e.g. durationMs 795.365 + initDurationMs 1316.493 -> billedDurationMs 2112).
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATUS_SUCCESS = "success"
STATUS_ERROR = "error"
STATUS_TIMEOUT = "timeout"

_TEXT_START = re.compile(r"REPORT RequestId: (?P<id>\S+)")


class ReportNotFound(ValueError):
    """The log holds no REPORT record (text or JSON)."""


def billed_duration_ms(duration_ms: float, init_duration_ms: float | None = None) -> int:
    """What AWS bills for one invocation: the invoke (plus the init on a cold start), rounded up
    to the next millisecond; never less than 1 ms."""
    # Round to the microsecond first: 12.000000001 is 12.000 in any record AWS writes.
    total = round(duration_ms + (init_duration_ms or 0.0), 3)
    return max(1, math.ceil(total))


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    """Present only when the invocation started a new execution environment (cold)."""
    status: str = STATUS_SUCCESS
    """success, error (the runtime failed: exit, crash, init failure) or timeout."""
    error_type: str | None = None

    @property
    def cold(self) -> bool:
        return self.init_duration_ms is not None

    def text(self) -> str:
        """The REPORT line exactly as AWS writes it in the Text log format."""
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        line = "\t".join(fields) + "\t"
        if self.status != STATUS_SUCCESS:
            line += f"Status: {self.status}"
            if self.error_type:
                line += f"\tError Type: {self.error_type}"
        return line

    def json_record(self, time: datetime | None = None) -> dict[str, Any]:
        """The `platform.report` event AWS writes in the JSON log format."""
        metrics: dict[str, Any] = {
            "durationMs": round(self.duration_ms, 3),
            "billedDurationMs": self.billed_duration_ms,
            "memorySizeMB": self.memory_size_mb,
            "maxMemoryUsedMB": self.max_memory_used_mb,
        }
        if self.init_duration_ms is not None:
            metrics["initDurationMs"] = round(self.init_duration_ms, 3)
        record: dict[str, Any] = {
            "requestId": self.request_id,
            "metrics": metrics,
            "status": self.status,
        }
        if self.error_type:
            record["errorType"] = self.error_type
        return {"time": iso_time(time), "type": "platform.report", "record": record}


def iso_time(time: datetime | None = None) -> str:
    """Lambda's event timestamp: UTC, millisecond precision, `Z`."""
    moment = (time or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def decode_log_result(log_result: str) -> str:
    """The text of an Invoke response's `LogResult` (base64 of the log's last 4 KB)."""
    return base64.b64decode(log_result).decode("utf-8", errors="replace")


def parse_report(log: str, request_id: str | None = None) -> Report:
    """The last REPORT record in `log` (for `request_id`, when given), text or JSON format."""
    reports = [r for r in iter_reports(log) if request_id is None or r.request_id == request_id]
    if not reports:
        wanted = f" for request {request_id}" if request_id else ""
        raise ReportNotFound(f"no REPORT record{wanted} in the log: {log[-300:]!r}")
    return reports[-1]


def iter_reports(log: str) -> Iterator[Report]:
    """Every REPORT record in `log`, in order (text lines and JSON `platform.report` events)."""
    for line in log.splitlines():
        stripped = line.strip()
        if stripped.startswith("{"):
            report = _from_json(stripped)
        else:
            match = _TEXT_START.search(line)
            report = _from_text(line[match.start() :]) if match else None
        if report is not None:
            yield report


def _from_text(line: str) -> Report | None:
    head, *rest = line.rstrip("\r\n").split("\t")
    fields: dict[str, str] = {}
    for part in rest:
        key, sep, value = part.partition(": ")
        if sep:
            fields[key.strip()] = value.strip()
    try:
        return Report(
            request_id=head.removeprefix("REPORT RequestId: ").strip(),
            duration_ms=_number(fields["Duration"], "ms"),
            billed_duration_ms=int(_number(fields["Billed Duration"], "ms")),
            memory_size_mb=int(_number(fields["Memory Size"], "MB")),
            max_memory_used_mb=int(_number(fields["Max Memory Used"], "MB")),
            init_duration_ms=(
                _number(fields["Init Duration"], "ms") if "Init Duration" in fields else None
            ),
            status=fields.get("Status", STATUS_SUCCESS),
            error_type=fields.get("Error Type"),
        )
    except (KeyError, ValueError):
        return None


def _from_json(line: str) -> Report | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("type") != "platform.report":
        return None
    record = event.get("record") or {}
    metrics = record.get("metrics") or {}
    try:
        init = metrics.get("initDurationMs")
        return Report(
            request_id=str(record["requestId"]),
            duration_ms=float(metrics["durationMs"]),
            billed_duration_ms=int(metrics["billedDurationMs"]),
            memory_size_mb=int(metrics["memorySizeMB"]),
            max_memory_used_mb=int(metrics["maxMemoryUsedMB"]),
            init_duration_ms=float(init) if init is not None else None,
            status=str(record.get("status") or STATUS_SUCCESS),
            error_type=record.get("errorType"),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _number(value: str, unit: str) -> float:
    return float(value.removesuffix(unit).strip())
