"""The REPORT record: AWS's text and JSON formats, its billing, and the one parser for both."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.lambda_report import (
    Report,
    ReportNotFound,
    billed_duration_ms,
    decode_log_result,
    iter_reports,
    parse_report,
)

RID = "0d4b6c1e-3f2a-4b5c-9d8e-7f6a5b4c3d2e"


def test_cold_report_line_is_exactly_awss_text_format() -> None:
    report = Report(RID, 12.34, billed_duration_ms(12.34, 523.45), 256, 80, 523.45)
    assert report.text() == (
        f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 536 ms\t"
        "Memory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 523.45 ms\t"
    )


def test_warm_report_line_has_no_init_duration() -> None:
    report = Report(RID, 1.004, billed_duration_ms(1.004), 128, 40)
    assert report.text() == (
        f"REPORT RequestId: {RID}\tDuration: 1.00 ms\tBilled Duration: 2 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB\t"
    )


def test_timeout_and_error_reports_end_with_their_status() -> None:
    timeout = Report(RID, 3000.0, 3000, 128, 64, status="timeout")
    assert timeout.text().endswith("Max Memory Used: 64 MB\tStatus: timeout")
    error = Report(RID, 5.0, 5, 128, 64, 90.5, status="error", error_type="Runtime.ExitError")
    assert error.text().endswith(
        "Init Duration: 90.50 ms\tStatus: error\tError Type: Runtime.ExitError"
    )


@pytest.mark.parametrize(
    ("duration", "init", "billed"),
    [
        (795.365, 1316.493, 2112),  # one ceiling over the sum: 796 + 1317 would be 2113
        (1058.15, 1307.68, 2366),  # 1059 + 1308 would be 2367
        (600000.0, 476.75, 600477),
        (12.0, None, 12),
        (12.0000004, None, 12),  # below the microseconds AWS records
        (12.001, None, 13),
        (0.2, None, 1),  # never below 1 ms
    ],
)
def test_billed_duration_is_the_ceiling_of_invoke_plus_init(
    duration: float, init: float | None, billed: int
) -> None:
    assert billed_duration_ms(duration, init) == billed


def test_parses_reports_as_aws_writes_them_in_text() -> None:
    log = (
        f"START RequestId: {RID} Version: $LATEST\n"
        "some function output\n"
        f"END RequestId: {RID}\n"
        f"REPORT RequestId: {RID}\tDuration: 600000.00 ms\tBilled Duration: 600477 ms\t"
        "Memory Size: 1536 MB\tMax Memory Used: 1035 MB\tInit Duration: 476.75 ms\t"
        "Status: timeout\nXRAY TraceId: 1-6a67abf9-44f198d4\tSegmentId: 7c4eb6a6\tSampled: true\n"
    )
    assert parse_report(log) == Report(
        RID, 600000.0, 600477, 1536, 1035, 476.75, status="timeout", error_type=None
    )


def test_parses_the_json_platform_report() -> None:
    event = {
        "time": "2025-11-30T22:35:51.578909Z",
        "type": "platform.report",
        "record": {
            "requestId": RID,
            "status": "success",
            "metrics": {
                "durationMs": 13.74,
                "billedDurationMs": 580,
                "memorySizeMB": 128,
                "maxMemoryUsedMB": 64,
                "initDurationMs": 565.4,
            },
            "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-692cc6c7"},
        },
    }
    log = '{"time":"x","type":"platform.start","record":{"requestId":"r"}}\n' + json.dumps(event)
    assert parse_report(log) == Report(RID, 13.74, 580, 128, 64, 565.4)


def test_json_record_has_awss_shape() -> None:
    report = Report(RID, 13.7412, 580, 128, 64, 565.4, status="error", error_type="Runtime.X")
    event = report.json_record()
    assert event["type"] == "platform.report"
    assert event["time"].endswith("Z")
    assert event["record"] == {
        "requestId": RID,
        "status": "error",
        "errorType": "Runtime.X",
        "metrics": {
            "durationMs": 13.741,
            "billedDurationMs": 580,
            "memorySizeMB": 128,
            "maxMemoryUsedMB": 64,
            "initDurationMs": 565.4,
        },
    }


def test_picks_the_last_report_or_the_one_asked_for() -> None:
    first = Report("a" * 8, 1.0, 1, 128, 10)
    second = Report("b" * 8, 2.0, 2, 128, 11)
    log = f"{first.text()}\nnoise\n{second.text()}\n"
    assert parse_report(log) == second
    assert parse_report(log, first.request_id) == first
    assert list(iter_reports(log)) == [first, second]


def test_a_log_without_report_names_what_it_got() -> None:
    with pytest.raises(ReportNotFound, match="no REPORT record for request r1"):
        parse_report("START RequestId: r1\nEND RequestId: r1\n", "r1")


def test_decodes_an_invoke_log_result() -> None:
    text = "START RequestId: r\nREPORT RequestId: r\tDuration: 1.00 ms\t"
    assert decode_log_result(base64.b64encode(text.encode()).decode()) == text


durations = st.floats(min_value=0.001, max_value=900_000, allow_nan=False)


@given(
    duration=durations,
    init=st.none() | st.floats(min_value=0.001, max_value=10_000),
    memory=st.integers(128, 10_240),
    used=st.integers(1, 10_240),
    status=st.sampled_from(["success", "timeout", "error"]),
)
def test_text_and_json_round_trip(
    duration: float, init: float | None, memory: int, used: int, status: str
) -> None:
    error_type = "Runtime.ExitError" if status == "error" else None
    report = Report(
        RID, duration, billed_duration_ms(duration, init), memory, used, init, status, error_type
    )
    from_text = parse_report(report.text())
    assert from_text.billed_duration_ms == report.billed_duration_ms
    assert from_text.duration_ms == pytest.approx(duration, abs=0.005)
    assert (from_text.init_duration_ms is None) == (init is None)
    assert (from_text.status, from_text.error_type) == (status, error_type)
    from_json = parse_report(json.dumps(report.json_record()))
    assert from_json.duration_ms == pytest.approx(duration, abs=0.0005)
    assert from_json.memory_size_mb == memory
    assert from_json.max_memory_used_mb == used
