"""An RIE result turned into what Lambda returns to the caller and writes to the log.

The RIE answers differently from Lambda, so each case is mapped onto Lambda's answer:
- success: 200 and the payload;
- the handler raised: the RIE answers 200 with awslambdaric's error document
  (`errorMessage`, `errorType`, `requestId` of this request, `stackTrace`), without saying it is
  one; Lambda adds `X-Amz-Function-Error: Unhandled`, and so do we, for exactly that document;
- timeout (the watch killed the runtime at the deadline; the RIE's own `Task timed out after N.00
  seconds` is a backstop): Lambda answers `{"errorType": "Sandbox.Timedout", "errorMessage":
  "RequestId: <id> Error: Task timed out after N.NN seconds"}` with `Unhandled`, logs `<time> <id>
  Task timed out after N.NN seconds`, and REPORTs `Status: timeout` with Duration = the timeout;
- out of memory (the watch killed the environment over its MemorySize): `{"errorType":
  "Runtime.OutOfMemory", "errorMessage": "RequestId: <id> Error: Runtime exited with error:
  signal: killed"}` with `Unhandled`, and REPORT `Status: error\\tError Type: Runtime.OutOfMemory`
  (the emulator's own Lambda Managed Instances code, `rapid/shutdown.go`, and real logs);
- the runtime exited or crashed, or init failed (import error...): the RIE answers 502 with
  Lambda's own error document (`Runtime.ExitError`, `Runtime.ImportModuleError`,
  `Function.ResponseSizeTooLarge`): Lambda returns it as a 200 with `Unhandled`, and REPORTs
  `Status: error` with the error type;
- anything else (no answer, 4xx/5xx from the RIE itself) is the local runtime's fault, not the
  function's: `ServiceError`.
In every case but the first two the environment is not reused.

The log, as CloudWatch holds it: a new environment's `INIT_START` line (`platform.initStart` in
the JSON format) and its init output, `START`, the invocation's output, `END` and `REPORT`
(`platform.start` and `platform.report`: what CloudWatch shows of the platform's events). An
init that failed or ran out of its budget adds `INIT_REPORT` (`platform.initReport`); an init
retried inside the invocation (after one ran out of its budget) is not logged on its own: its
time is part of the REPORT's Duration (lambda-runtime-environment.html, "suppressed init").
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

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
from harness.local.log_event import LogEvent, at, now_ms, text_of
from harness.local.watch import Verdict

LOG_TAIL_BYTES: Final = 4096
UNHANDLED: Final = "Unhandled"
OUT_OF_MEMORY: Final = "Runtime.OutOfMemory"
_ERROR_KEYS: Final = {"errorMessage", "errorType", "requestId", "stackTrace"}
_TIMEOUTS: Final = {Verdict.TIMEOUT, Verdict.INIT_TIMEOUT}


@dataclass(frozen=True)
class EmulatedInvocation:
    request_id: str
    payload: bytes
    function_error: str | None
    error_type: str | None
    report: Report
    events: tuple[LogEvent, ...]
    """The execution log of this invocation, as CloudWatch would hold it (START ... REPORT):
    one event per printed line, per framed log record, per platform line."""
    reusable: bool
    log_stream: str = ""
    """The log stream of the environment that ran it (one per environment, as in Lambda)."""

    @property
    def log(self) -> str:
        """The log as text (a multi-line record spans several lines here)."""
        return text_of(self.events)

    def log_tail(self) -> str:
        """Base64 of the log's last 4 KB: Invoke's `LogResult` for `LogType=Tail`."""
        return base64.b64encode(self.log.encode()[-LOG_TAIL_BYTES:]).decode()


@dataclass(frozen=True)
class _Outcome:
    payload: bytes
    status: str
    error_type: str | None
    function_error: str | None
    duration_ms: float
    extra: list[LogEvent]


def build(
    raw: RawResult, spec: FunctionConfig, prelude: tuple[LogEvent, ...] = ()
) -> EmulatedInvocation:
    """`prelude`: log lines before this invocation's own (an init that ran out of its budget)."""
    outcome = _outcome(raw, spec)
    max_memory_mb = math.ceil(raw.peak_rss_kb / 1024) if raw.peak_rss_kb else 0
    duration, init = outcome.duration_ms, raw.init_ms
    if raw.init_in_timeout:  # a retried init is part of the invocation (and of its timeout)
        if outcome.status != STATUS_TIMEOUT:
            duration += init or 0.0
        init = None
    report = Report(
        request_id=raw.request_id,
        duration_ms=duration,
        billed_duration_ms=billed_duration_ms(duration, init),
        memory_size_mb=spec.memory_size,
        max_memory_used_mb=min(max_memory_mb, spec.memory_size),
        init_duration_ms=init,
        status=outcome.status,
        error_type=outcome.error_type if outcome.status == STATUS_ERROR else None,
    )
    init_failed = raw.init_status == "error" and outcome.status == STATUS_ERROR
    log = [*prelude, *_log(spec, raw, report, outcome, init_failed=init_failed)]
    return EmulatedInvocation(
        request_id=raw.request_id,
        payload=outcome.payload,
        function_error=outcome.function_error,
        error_type=outcome.error_type,
        report=report,
        events=tuple(log),
        reusable=outcome.status == STATUS_SUCCESS,
        log_stream=raw.log_stream,
    )


def _outcome(raw: RawResult, spec: FunctionConfig) -> _Outcome:
    request_id = raw.request_id
    document = _json(raw.body)
    if raw.verdict is Verdict.OUT_OF_MEMORY:
        message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
        return _Outcome(
            _dumps({"errorType": OUT_OF_MEMORY, "errorMessage": message}),
            STATUS_ERROR,
            OUT_OF_MEMORY,
            UNHANDLED,
            raw.wall_ms,
            [LogEvent(message, now_ms()), LogEvent(OUT_OF_MEMORY, now_ms())],
        )
    if raw.verdict in _TIMEOUTS or (raw.status == 200 and raw.body.startswith(b"Task timed out")):
        seconds = f"{spec.timeout:.2f}"
        return _Outcome(
            _dumps(
                {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                    f"{seconds} seconds",
                }
            ),
            STATUS_TIMEOUT,
            "Sandbox.Timedout",
            UNHANDLED,
            spec.timeout * 1000.0,
            [
                LogEvent(
                    f"{iso_time()} {request_id} Task timed out after {seconds} seconds", now_ms()
                )
            ],
        )
    if raw.status == 200:
        handled = _is_error_document(document, request_id)
        return _Outcome(
            raw.body,
            STATUS_SUCCESS,
            str(document["errorType"]) if handled else None,
            UNHANDLED if handled else None,
            raw.duration_ms if raw.duration_ms is not None else raw.wall_ms,
            [],
        )
    if raw.status == 502 and isinstance(document, dict) and "errorType" in document:
        error_type = str(document["errorType"])
        message = str(document.get("errorMessage", ""))
        extra = (
            [LogEvent(message, now_ms()), LogEvent(error_type, now_ms())]
            if message.startswith("RequestId:")
            else []
        )
        return _Outcome(raw.body, STATUS_ERROR, error_type, UNHANDLED, raw.wall_ms, extra)
    raise ServiceError(
        f"the RIE for {spec.name} answered {raw.status or 'nothing'}: "
        f"{raw.body[:300]!r}; its last lines: {raw.rie_tail[-8:]}"
    )


def init_timeout_prelude(
    raw: RawResult, spec: FunctionConfig, budget_s: float
) -> tuple[LogEvent, ...]:
    """The log of an init that ran out of its budget: Lambda then retries it inside the
    invocation, with the function's timeout."""
    duration = raw.init_ms if raw.init_ms is not None else budget_s * 1000
    return (
        *_init_start(spec, raw),
        *raw.init_lines,
        *raw.lines,
        _init_report(spec, raw, duration, "timeout", None),
    )


def _log(
    spec: FunctionConfig, raw: RawResult, report: Report, outcome: _Outcome, *, init_failed: bool
) -> list[LogEvent]:
    rid = report.request_id
    cold = raw.init_ms is not None and not raw.init_in_timeout
    lines = [*_init_start(spec, raw), *raw.init_lines] if cold else []
    if init_failed and raw.init_ms is not None:
        lines.append(_init_report(spec, raw, raw.init_ms, STATUS_ERROR, report.error_type))
    start = raw.started_at + timedelta(milliseconds=raw.init_ms or 0.0)
    if spec.log_format == "JSON":
        record = {"requestId": rid, "functionArn": spec.arn, "version": LATEST}
        lines.append(_event(start, "platform.start", record))
    else:
        lines.append(LogEvent(f"START RequestId: {rid} Version: {LATEST}", at(start)))
    if raw.init_in_timeout:
        lines += raw.init_lines
    lines += raw.lines
    end = now_ms()
    if spec.log_format == "JSON":
        lines.append(LogEvent(json.dumps(report.json_record(), separators=(",", ":")), end))
    else:
        lines += outcome.extra
        lines.append(LogEvent(f"END RequestId: {rid}", end))
        lines.append(LogEvent(report.text(), end))
    return lines


def _init_start(spec: FunctionConfig, raw: RawResult) -> list[LogEvent]:
    if spec.log_format != "JSON":
        line = (
            f"INIT_START Runtime Version: {raw.runtime_version}\t"
            f"Runtime Version ARN: {raw.runtime_version_arn}"
        )
        return [LogEvent(line, at(raw.started_at))]
    record = {
        "initializationType": "on-demand",
        "phase": "init",
        "runtimeVersion": raw.runtime_version,
        "runtimeVersionArn": raw.runtime_version_arn,
        "functionName": spec.name,
        "functionVersion": LATEST,
        "instanceId": raw.log_stream,
        "instanceMaxMemory": spec.memory_size * 1024 * 1024,
    }
    return [_event(raw.started_at, "platform.initStart", record)]


def _init_report(
    spec: FunctionConfig, raw: RawResult, duration_ms: float, status: str, error_type: str | None
) -> LogEvent:
    end = raw.started_at + timedelta(milliseconds=duration_ms)
    if spec.log_format != "JSON":
        line = f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: init\tStatus: {status}"
        return LogEvent(line + (f"\tError Type: {error_type}" if error_type else ""), at(end))
    record: dict[str, Any] = {
        "initializationType": "on-demand",
        "phase": "init",
        "status": status,
        "metrics": {"durationMs": round(duration_ms, 3)},
    }
    if error_type:
        record["errorType"] = error_type
    return _event(end, "platform.initReport", record)


def _event(time: datetime, kind: str, record: dict[str, Any]) -> LogEvent:
    event = {"time": iso_time(time), "type": kind, "record": record}
    return LogEvent(json.dumps(event, separators=(",", ":")), at(time))


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
