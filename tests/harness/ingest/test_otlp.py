"""OTLP trace exports in JSON and protobuf decode to the same spans, from hand-built and from
real exporters (OTel's protobuf exporter, honeyhive's JSON exporter)."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from opentelemetry.sdk.resources import Resource as SdkResource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from harness.ingest import TRACES, IngestServer
from harness.ingest.errors import DecodeError, UnsupportedMediaType
from harness.ingest.otlp import decode_traces

TOKEN = "ingest-test-token"
SESSION = "4f1c2b7e-0000-4000-8000-000000000001"
TRACE_ID = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
PARENT_ID = bytes.fromhex("b7ad6b7169203331")
CHILD_ID = bytes.fromhex("00f067aa0ba902b7")


def _kv(key: str, value: AnyValue) -> KeyValue:
    return KeyValue(key=key, value=value)


def proto_request() -> ExportTraceServiceRequest:
    """Two spans (parent, child) whose attributes use every AnyValue kind."""
    attributes = [
        _kv("honeyhive.session_id", AnyValue(string_value=SESSION)),
        _kv("flag", AnyValue(bool_value=True)),
        _kv("count", AnyValue(int_value=2**62)),
        _kv("ratio", AnyValue(double_value=0.25)),
        _kv("blob", AnyValue(bytes_value=b"\x00\xff")),
        _kv(
            "list",
            AnyValue(
                array_value=ArrayValue(values=[AnyValue(string_value="a"), AnyValue(int_value=1)])
            ),
        ),
        _kv(
            "map",
            AnyValue(kvlist_value=KeyValueList(values=[_kv("inner", AnyValue(string_value="v"))])),
        ),
    ]
    parent = Span(
        trace_id=TRACE_ID,
        span_id=PARENT_ID,
        name="parent",
        kind=Span.SpanKind.SPAN_KIND_SERVER,
        start_time_unix_nano=1_700_000_000_000_000_000,
        end_time_unix_nano=1_700_000_000_500_000_000,
        attributes=attributes,
        status=Status(code=Status.StatusCode.STATUS_CODE_OK),
    )
    child = Span(
        trace_id=TRACE_ID,
        span_id=CHILD_ID,
        parent_span_id=PARENT_ID,
        name="child",
        kind=Span.SpanKind.SPAN_KIND_INTERNAL,
        start_time_unix_nano=1_700_000_000_100_000_000,
        end_time_unix_nano=1_700_000_000_200_000_000,
        attributes=[
            _kv("traceloop.association.properties.session_id", AnyValue(string_value=SESSION))
        ],
        status=Status(code=Status.StatusCode.STATUS_CODE_ERROR, message="boom"),
    )
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=[_kv("service.name", AnyValue(string_value="t"))]),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(name="scope", version="1.0"),
                        spans=[parent, child],
                    )
                ],
            )
        ]
    )


def otlp_json(request: ExportTraceServiceRequest) -> dict[str, Any]:
    """The OTLP/JSON encoding: protobuf's JSON mapping, but trace and span ids in hex."""
    document: dict[str, Any] = json_format.MessageToDict(request)
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return document


EXPECTED_PARENT_ATTRIBUTES = {
    "honeyhive.session_id": SESSION,
    "flag": True,
    "count": 2**62,
    "ratio": 0.25,
    "blob": base64.b64encode(b"\x00\xff").decode(),
    "list": ["a", 1],
    "map": {"inner": "v"},
}


def test_protobuf_decodes_every_value_kind_and_the_session() -> None:
    parent, child = decode_traces(proto_request().SerializeToString(), "application/x-protobuf")
    assert parent == {
        "name": "parent",
        "traceId": TRACE_ID.hex(),
        "spanId": PARENT_ID.hex(),
        "parentSpanId": None,
        "kind": "SPAN_KIND_SERVER",
        "startTimeUnixNano": 1_700_000_000_000_000_000,
        "endTimeUnixNano": 1_700_000_000_500_000_000,
        "attributes": EXPECTED_PARENT_ATTRIBUTES,
        "status": {"code": "STATUS_CODE_OK", "message": ""},
        "resource": {"service.name": "t"},
        "scope": {"name": "scope", "version": "1.0"},
        "sessionId": SESSION,
    }
    assert (child["parentSpanId"], child["sessionId"]) == (PARENT_ID.hex(), SESSION)
    assert child["status"] == {"code": "STATUS_CODE_ERROR", "message": "boom"}


def test_json_decodes_to_exactly_what_protobuf_does() -> None:
    request = proto_request()
    from_json = decode_traces(json.dumps(otlp_json(request)).encode(), "application/json")
    from_proto = decode_traces(request.SerializeToString(), "application/x-protobuf")
    assert from_json == from_proto


def test_json_accepts_what_honeyhive_writes_numeric_enums_and_null_parent() -> None:
    document = otlp_json(proto_request())
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span.update(kind=2, parentSpanId=None, startTimeUnixNano=5, endTimeUnixNano="6")
    (parent, _) = decode_traces(json.dumps(document).encode(), "application/json; charset=utf-8")
    assert (parent["kind"], parent["parentSpanId"]) == ("SPAN_KIND_SERVER", None)
    assert (parent["startTimeUnixNano"], parent["endTimeUnixNano"]) == (5, 6)


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"{not json", "application/json", DecodeError),
        (b"[1]", "application/json", DecodeError),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{}]}]}]}',
            "application/json",
            DecodeError,
        ),
        (b"\xff\xff\xff", "application/x-protobuf", DecodeError),
        (b"{}", "text/plain", UnsupportedMediaType),
        (b"{}", None, UnsupportedMediaType),
    ],
    ids=["bad-json", "json-array", "span-without-fields", "bad-protobuf", "text", "no-type"],
)
def test_undecodable_bodies_are_refused(
    body: bytes, content_type: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        decode_traces(body, content_type)


@pytest.fixture
def server() -> Iterator[IngestServer]:
    with IngestServer(api_key=TOKEN) as running:
        yield running


def _post(server: IngestServer, body: bytes, **headers: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", **headers}
    return requests.post(server.url + TRACES, data=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("identity", lambda b: b), ("gzip", gzip.compress), ("deflate", zlib.compress)],
)
@pytest.mark.parametrize("content_type", ["application/json", "application/x-protobuf"])
def test_server_stores_spans_by_session_in_any_encoding(
    server: IngestServer, content_type: str, encoding: str, compress: Any
) -> None:
    request = proto_request()
    raw = (
        json.dumps(otlp_json(request)).encode()
        if content_type == "application/json"
        else request.SerializeToString()
    )
    response = _post(
        server, compress(raw), **{"Content-Type": content_type, "Content-Encoding": encoding}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    if content_type == "application/x-protobuf":
        ExportTraceServiceResponse.FromString(response.content)
    else:
        assert response.json() == {}
    assert [s["name"] for s in server.spans(SESSION)] == ["parent", "child"]
    assert server.sessions()[SESSION]["spanCount"] == 2
    assert server.sessions()[SESSION]["started"] is False


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{nope", {"Content-Type": "application/json"}, 400),
        (b"\xff\xff", {"Content-Type": "application/x-protobuf"}, 400),
        (b"not gzip", {"Content-Type": "application/json", "Content-Encoding": "gzip"}, 400),
        (b"{}", {"Content-Type": "application/json", "Content-Encoding": "br"}, 400),
        (b"{}", {"Content-Type": "text/plain"}, 415),
    ],
    ids=["bad-json", "bad-protobuf", "bad-gzip", "unknown-encoding", "unknown-type"],
)
def test_server_refuses_undecodable_exports(
    server: IngestServer, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = _post(server, body, **headers)
    assert response.status_code == status
    assert response.json()["error"]
    assert server.all_spans() == []


def _finished_spans(exporter: Any) -> None:
    provider = TracerProvider(resource=SdkResource.create({"service.name": "exporter-test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("exporter-test")
    with tracer.start_as_current_span("outer") as outer:
        outer.set_attribute("honeyhive.session_id", SESSION)
        with tracer.start_as_current_span("inner") as inner:
            inner.set_attribute("honeyhive.session_id", SESSION)
            inner.set_attribute("sizes", [1, 2, 3])
    provider.shutdown()


def test_otel_protobuf_exporter_with_gzip_lands(server: IngestServer) -> None:
    exporter = OTLPSpanExporter(
        endpoint=server.url + TRACES,
        headers={"Authorization": f"Bearer {TOKEN}"},
        compression=Compression.Gzip,
    )
    _finished_spans(exporter)
    spans = {s["name"]: s for s in server.spans(SESSION)}
    assert spans["inner"]["parentSpanId"] == spans["outer"]["spanId"]
    assert spans["inner"]["attributes"]["sizes"] == [1, 2, 3]
    assert spans["outer"]["resource"]["service.name"] == "exporter-test"
    assert {r["contentEncoding"] for r in server.requests()} == {"gzip"}


def test_honeyhive_json_exporter_lands(server: IngestServer) -> None:
    # Imported here: honeyhive takes ~2.4 s to import, and every test worker collects this file.
    from honeyhive.tracer.processing.otlp_exporter import OTLPJSONExporter

    exporter = OTLPJSONExporter(
        endpoint=server.url + TRACES, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    _finished_spans(exporter)
    spans = {s["name"]: s for s in server.spans(SESSION)}
    assert spans["inner"]["parentSpanId"] == spans["outer"]["spanId"]
    assert spans["inner"]["attributes"]["sizes"] == [1, 2, 3]
    assert [(r["contentType"], r["outcome"]) for r in server.requests()] == [
        ("application/json", 200),
        ("application/json", 200),
    ]
