"""An RIE result turned into what Lambda returns to the caller and writes to the log.

The RIE answers differently from Lambda, so each case is mapped onto Lambda's answer:
- success: 200 and the payload;
- the handler raised: the RIE answers 200 with awslambdaric's error document
  (`errorMessage`, `errorType`, `requestId` of this request, `stackTrace`), without saying it is
  one; Lambda adds `X-Amz-Function-Error: Unhandled`, and so do we, for exactly that document;
- timeout: the RIE answers 200 `Task timed out after N.00 seconds` after SIGKILLing the runtime;
  Lambda answers `{"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: <id> Error: Task
  timed out after N.NN seconds"}` with `Unhandled`, logs `<time> <id> Task timed out after N.NN
  seconds`, and REPORTs `Status: timeout` with Duration = the timeout;
- the runtime exited or crashed, or init failed (import error...): the RIE answers 502 with
  Lambda's own error document (`Runtime.ExitError`, `Runtime.ImportModuleError`,
  `Function.ResponseSizeTooLarge`): Lambda returns it as a 200 with `Unhandled`, and REPORTs
  `Status: error` with the error type;
- anything else (no answer, 4xx/5xx from the RIE itself) is the local runtime's fault, not the
  function's: `ServiceError`.
In the last three cases the environment is not reused.
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.lambda_report import (
    STATUS_ERROR,
    STATUS_SUCCESS,
    STATUS_TIMEOUT,
    Report,
    billed_duration_ms,
    iso_time,
)
from harness.local.config import LATEST, FunctionConfig
from harness.local.environment import RawResult
from harness.local.errors import ServiceError

LOG_TAIL_BYTES = 4096
UNHANDLED = "Unhandled"
_ERROR_KEYS = {"errorMessage", "errorType", "requestId", "stackTrace"}


@dataclass(frozen=True)
class EmulatedInvocation:
    request_id: str
    payload: bytes
    function_error: str | None
    error_type: str | None
    report: Report
    log: str
    """The execution log of this invocation, as CloudWatch would hold it (START ... REPORT)."""
    reusable: bool

    def log_tail(self) -> str:
        """Base64 of the log's last 4 KB: Invoke's `LogResult` for `LogType=Tail`."""
        return base64.b64encode(self.log.encode()[-LOG_TAIL_BYTES:]).decode()


def build(raw: RawResult, spec: FunctionConfig) -> EmulatedInvocation:
    request_id = raw.request_id or str(uuid.uuid4())
    document = _json(raw.body)
    max_memory_mb = math.ceil(raw.peak_rss_kb / 1024) if raw.peak_rss_kb else 0
    extra: list[str] = []
    error_type: str | None
    function_error: str | None
    if raw.status == 200 and raw.body.startswith(b"Task timed out after "):
        seconds = f"{spec.timeout:.2f}"
        payload = _dumps(
            {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                f"{seconds} seconds",
            }
        )
        extra.append(f"{iso_time()} {request_id} Task timed out after {seconds} seconds")
        status, error_type, function_error = STATUS_TIMEOUT, "Sandbox.Timedout", UNHANDLED
        duration = spec.timeout * 1000.0
    elif raw.status == 200:
        payload = raw.body
        handled = _is_error_document(document, request_id)
        error_type = str(document["errorType"]) if handled else None
        function_error = UNHANDLED if handled else None
        status = STATUS_SUCCESS
        duration = raw.runtime_done_ms if raw.runtime_done_ms is not None else raw.wall_ms
    elif raw.status == 502 and isinstance(document, dict) and "errorType" in document:
        payload = raw.body
        error_type, function_error, status = str(document["errorType"]), UNHANDLED, STATUS_ERROR
        message = str(document.get("errorMessage", ""))
        if message.startswith("RequestId:"):
            extra += [message, error_type]
        duration = raw.wall_ms
    else:
        raise ServiceError(
            f"the RIE for {spec.name} answered {raw.status or 'nothing'}: "
            f"{raw.body[:300]!r}; its last lines: {raw.rie_tail[-8:]}"
        )
    report = Report(
        request_id=request_id,
        duration_ms=duration,
        billed_duration_ms=billed_duration_ms(duration, raw.init_ms),
        memory_size_mb=spec.memory_size,
        max_memory_used_mb=max_memory_mb,
        init_duration_ms=raw.init_ms,
        status=status,
        error_type=error_type if status == STATUS_ERROR else None,
    )
    init_failed = raw.init_status == "error" and status == STATUS_ERROR
    log = _log(spec, raw, report, extra=extra, init_failed=init_failed, produced_bytes=len(payload))
    return EmulatedInvocation(
        request_id=request_id,
        payload=payload,
        function_error=function_error,
        error_type=error_type,
        report=report,
        log=log,
        reusable=status == STATUS_SUCCESS,
    )


def _log(
    spec: FunctionConfig,
    raw: RawResult,
    report: Report,
    *,
    extra: list[str],
    init_failed: bool,
    produced_bytes: int,
) -> str:
    rid = report.request_id
    lines = list(raw.init_lines)
    if spec.log_format == "JSON":
        start = raw.started_at + timedelta(milliseconds=raw.init_ms or 0.0)
        lines.append(_event(start, "platform.start", {"requestId": rid, "version": LATEST}))
        lines += raw.lines
        done: dict[str, Any] = {"requestId": rid, "status": report.status}
        done["metrics"] = {
            "durationMs": round(report.duration_ms, 3),
            "producedBytes": produced_bytes,
        }
        if report.error_type:
            done["errorType"] = report.error_type
        lines.append(_event(None, "platform.runtimeDone", done))
        lines.append(json.dumps(report.json_record(), separators=(",", ":")))
    else:
        if init_failed and raw.init_ms is not None:
            lines.append(
                f"INIT_REPORT Init Duration: {raw.init_ms:.2f} ms\tPhase: init\tStatus: error"
                f"\tError Type: {report.error_type}"
            )
        lines.append(f"START RequestId: {rid} Version: {LATEST}")
        lines += raw.lines
        lines += extra
        lines.append(f"END RequestId: {rid}")
        lines.append(report.text())
    return "\n".join(lines) + "\n"


def _event(time: datetime | None, kind: str, record: dict[str, Any]) -> str:
    event = {"time": iso_time(time or datetime.now(UTC)), "type": kind, "record": record}
    return json.dumps(event, separators=(",", ":"))


def _is_error_document(document: Any, request_id: str) -> bool:
    return (
        isinstance(document, dict)
        and set(document) == _ERROR_KEYS
        and document.get("requestId") == request_id
    )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _dumps(document: dict[str, str]) -> bytes:
    return json.dumps(document).encode()
