"""One synchronous invoke with `LogType=Tail`, and what it tells: the response, the handler's
body, and the REPORT metrics from the 4 KB log tail (text or JSON log format)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.lambda_report import Report, ReportNotFound, decode_log_result, parse_report

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import InvocationResponseTypeDef


@dataclass(frozen=True)
class Invocation:
    name: str
    event: Any
    request_id: str
    """The Invoke response's `x-amzn-RequestId`: the invocation's id, as the handler sees it."""
    function_error: str | None
    payload_text: str
    log: str
    report: Report | None
    report_error: str | None
    roundtrip_ms: float

    @property
    def payload(self) -> Any:
        try:
            return json.loads(self.payload_text) if self.payload_text else None
        except ValueError:
            return None

    @property
    def status_code(self) -> int | None:
        payload = self.payload
        code = payload.get("statusCode") if isinstance(payload, dict) else None
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    @property
    def body(self) -> dict[str, Any] | None:
        """The handler's body (a JSON string in the payload), or None when it is not an object."""
        payload = self.payload
        raw = payload.get("body") if isinstance(payload, dict) else None
        if not isinstance(raw, str):
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    @property
    def cold(self) -> bool:
        return self.report is not None and self.report.cold


def invocation_from(
    *,
    name: str,
    event: Any,
    request_id: str,
    function_error: str | None,
    payload_text: str,
    log: str,
    roundtrip_ms: float = 0.0,
) -> Invocation:
    try:
        report, report_error = parse_report(log, request_id or None), None
    except ReportNotFound as exc:
        report, report_error = None, str(exc)
    return Invocation(
        name=name,
        event=event,
        request_id=request_id,
        function_error=function_error,
        payload_text=payload_text,
        log=log,
        report=report,
        report_error=report_error,
        roundtrip_ms=roundtrip_ms,
    )


def invoke(client: LambdaClient, name: str, event: Any) -> Invocation:
    started = time.perf_counter()
    response = client.invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    roundtrip_ms = (time.perf_counter() - started) * 1000
    return _from_response(name, event, response, roundtrip_ms)


def _from_response(
    name: str, event: Any, response: InvocationResponseTypeDef, roundtrip_ms: float
) -> Invocation:
    payload = response["Payload"].read().decode("utf-8", errors="replace")
    log_result = response.get("LogResult")
    return invocation_from(
        name=name,
        event=event,
        request_id=response["ResponseMetadata"].get("RequestId", ""),
        function_error=response.get("FunctionError"),
        payload_text=payload,
        log=decode_log_result(log_result) if log_result else "",
        roundtrip_ms=roundtrip_ms,
    )
