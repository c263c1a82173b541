"""Decode an OTLP/HTTP trace export (JSON or protobuf, optionally compressed) into span dicts.

Both encodings become the same plain shape, so tests and the read routes see one format:
`{"name", "traceId", "spanId", "parentSpanId", "kind", "startTimeUnixNano", "endTimeUnixNano",
"attributes", "status", "resource", "scope", "sessionId"}` with ids in lowercase hex, times as
ints and attribute values as Python/JSON values (arrays as lists, kvlists as dicts, bytes as
base64). `sessionId` is where HoneyHive's span processor put the session
(`honeyhive.session_id`, else the traceloop association property), or None.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from typing import Any

from google.protobuf import message
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from harness.ingest.errors import DecodeError, UnsupportedMediaType

SESSION_ATTRIBUTES = ("honeyhive.session_id", "traceloop.association.properties.session_id")
JSON_TYPE = "application/json"
PROTOBUF_TYPE = "application/x-protobuf"


def decompress(body: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "identity").strip().lower()
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise DecodeError(f"body is not valid {encoding}: {exc}") from exc
    if encoding != "identity":
        raise DecodeError(f"unsupported Content-Encoding {encoding!r}")
    return body


def decode_traces(body: bytes, content_type: str | None) -> list[dict[str, Any]]:
    media = (content_type or "").split(";")[0].strip().lower()
    if media == JSON_TYPE:
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise DecodeError(f"body is not JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise DecodeError("OTLP JSON body must be an object with resourceSpans")
        try:
            return _spans_from_json(document)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(f"malformed OTLP JSON: {exc!r}") from exc
    if media == PROTOBUF_TYPE:
        try:
            request = ExportTraceServiceRequest.FromString(body)
        except message.DecodeError as exc:
            raise DecodeError(f"body is not an ExportTraceServiceRequest: {exc}") from exc
        return _spans_from_proto(request)
    raise UnsupportedMediaType(
        f"Content-Type must be {JSON_TYPE} or {PROTOBUF_TYPE}, got {media!r}"
    )


def session_of(attributes: dict[str, Any]) -> str | None:
    for key in SESSION_ATTRIBUTES:
        value = attributes.get(key)
        if value:
            return str(value)
    return None


# --- OTLP/JSON (ids are hex strings; 64-bit ints may be strings) -----------------------------


def _spans_from_json(document: dict[str, Any]) -> list[dict[str, Any]]:
    spans = []
    for resource_spans in document.get("resourceSpans") or []:
        resource = _json_attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans") or []:
            scope = scope_spans.get("scope") or {}
            scope_info = {"name": scope.get("name", ""), "version": scope.get("version", "")}
            for span in scope_spans.get("spans") or []:
                attributes = _json_attributes(span.get("attributes"))
                status = span.get("status") or {}
                spans.append(
                    {
                        "name": span["name"],
                        "traceId": span["traceId"].lower(),
                        "spanId": span["spanId"].lower(),
                        "parentSpanId": (span.get("parentSpanId") or "").lower() or None,
                        "kind": _enum_name(span.get("kind", 0), Span.SpanKind),
                        "startTimeUnixNano": int(span.get("startTimeUnixNano", 0)),
                        "endTimeUnixNano": int(span.get("endTimeUnixNano", 0)),
                        "attributes": attributes,
                        "status": {
                            "code": _enum_name(status.get("code", 0), Status.StatusCode),
                            "message": status.get("message", ""),
                        },
                        "resource": resource,
                        "scope": scope_info,
                        "sessionId": session_of(attributes),
                    }
                )
    return spans


def _enum_name(value: int | str, enum: Any) -> str:
    return value if isinstance(value, str) else str(enum.Name(value))


def _json_attributes(pairs: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {pair["key"]: _json_value(pair.get("value") or {}) for pair in pairs or []}


def _json_value(value: dict[str, Any]) -> Any:
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [_json_value(item) for item in value["arrayValue"].get("values") or []]
    if "kvlistValue" in value:
        return _json_attributes(value["kvlistValue"].get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


# --- OTLP/protobuf ----------------------------------------------------------------------------


def _spans_from_proto(request: Any) -> list[dict[str, Any]]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = _proto_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope_info = {"name": scope_spans.scope.name, "version": scope_spans.scope.version}
            for span in scope_spans.spans:
                attributes = _proto_attributes(span.attributes)
                spans.append(
                    {
                        "name": span.name,
                        "traceId": span.trace_id.hex(),
                        "spanId": span.span_id.hex(),
                        "parentSpanId": span.parent_span_id.hex() or None,
                        "kind": Span.SpanKind.Name(span.kind),
                        "startTimeUnixNano": span.start_time_unix_nano,
                        "endTimeUnixNano": span.end_time_unix_nano,
                        "attributes": attributes,
                        "status": {
                            "code": Status.StatusCode.Name(span.status.code),
                            "message": span.status.message,
                        },
                        "resource": resource,
                        "scope": scope_info,
                        "sessionId": session_of(attributes),
                    }
                )
    return spans


def _proto_attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _proto_value(pair.value) for pair in pairs}


def _proto_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_proto_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _proto_attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None if kind is None else getattr(value, kind)
