"""The local CloudWatch Logs store: what environments write is found by FilterLogEvents as on AWS,
and bad calls get the Logs protocol's errors."""

from __future__ import annotations

import json

from harness.local.log_event import LogEvent, now_ms
from harness.local.logs_service import LocalLogs

GROUP = "/aws/lambda/honeyhive-test-echo"


def lines(text: str) -> list[LogEvent]:
    """One event per line, stamped now, as printed lines are."""
    return [LogEvent(line, now_ms()) for line in text.split("\n")]


def call(logs: LocalLogs, operation: str, **params: object) -> tuple[int, dict[str, object]]:
    return logs.handle(f"Logs_20140328.{operation}", json.dumps(params).encode())


def test_lines_are_filed_per_stream_and_found_by_pattern() -> None:
    logs = LocalLogs("us-east-1")
    logs.record(
        GROUP, "env-a", lines("INIT_START Runtime Version: x\nimport time: 12 | 40 | json\n\n")
    )
    logs.record(GROUP, "env-b", lines("START RequestId: r2\nimport time: 3 | 3 | honeyhive\n"))

    status, answer = call(
        logs, "FilterLogEvents", logGroupName=GROUP, filterPattern='"import time:"'
    )

    assert status == 200
    found = {(e["logStreamName"], e["message"]) for e in answer["events"]}  # type: ignore[attr-defined]
    assert found == {
        ("env-a", "import time: 12 | 40 | json"),
        ("env-b", "import time: 3 | 3 | honeyhive"),
    }


def test_a_multi_line_record_is_one_event_with_its_own_time() -> None:
    """A framed log record stays one event (its lines together), at the frame's time; a stream's
    times never go back, so the events keep the order they were filed in."""
    logs = LocalLogs("us-east-1")
    start = now_ms()
    logs.record(
        GROUP,
        "env-a",
        [
            LogEvent("START RequestId: r1", start),
            LogEvent("[INFO]\tfirst line\nsecond line", start - 5_000, "INFO"),
            LogEvent("printed", start + 7),
        ],
    )

    _, answer = call(logs, "FilterLogEvents", logGroupName=GROUP)

    events = [(e["message"], e["timestamp"]) for e in answer["events"]]  # type: ignore[attr-defined]
    assert events == [
        ("START RequestId: r1", start),
        ("[INFO]\tfirst line\nsecond line", start),
        ("printed", start + 7),
    ]
    _, multi = call(logs, "FilterLogEvents", logGroupName=GROUP, filterPattern='"second line"')
    assert [e["message"] for e in multi["events"]] == ["[INFO]\tfirst line\nsecond line"]  # type: ignore[attr-defined]


def test_a_search_can_be_narrowed_to_one_stream() -> None:
    logs = LocalLogs("us-east-1")
    logs.record(GROUP, "env-a", lines("one\ntwo"))
    logs.record(GROUP, "env-b", lines("three"))

    _, answer = call(logs, "FilterLogEvents", logGroupName=GROUP, logStreamNames=["env-b"])

    assert [e["message"] for e in answer["events"]] == ["three"]  # type: ignore[attr-defined]


def test_streams_and_groups_are_listed() -> None:
    logs = LocalLogs("us-east-1")
    logs.record(GROUP, "2026/11/29/[$LATEST]abc", lines("line"))
    logs.record("/aws/lambda/other", "s", lines("line"))

    _, streams = call(logs, "DescribeLogStreams", logGroupName=GROUP)
    _, groups = call(logs, "DescribeLogGroups", logGroupNamePrefix="/aws/lambda/honeyhive")

    assert [s["logStreamName"] for s in streams["logStreams"]] == ["2026/11/29/[$LATEST]abc"]  # type: ignore[attr-defined]
    assert [g["logGroupName"] for g in groups["logGroups"]] == [GROUP]  # type: ignore[attr-defined]


def test_blank_output_creates_nothing() -> None:
    logs = LocalLogs("us-east-1")
    logs.record(GROUP, "env-a", lines("\n  \n"))

    status, answer = call(logs, "FilterLogEvents", logGroupName=GROUP)

    assert status == 400
    assert answer["__type"] == "ResourceNotFoundException"


def test_bad_calls_get_the_protocols_errors() -> None:
    logs = LocalLogs("us-east-1")

    assert logs.handle("Logs_20140328.PutLogEvents", b"{}")[1]["__type"] == (
        "UnknownOperationException"
    )
    assert logs.handle("Logs_20140328.FilterLogEvents", b"not json")[1]["__type"] == (
        "SerializationException"
    )
    assert logs.handle("Logs_20140328.FilterLogEvents", b"[]")[1]["__type"] == (
        "SerializationException"
    )
    status, answer = logs.handle("Logs_20140328.FilterLogEvents", b"{}")
    assert (status, answer["__type"]) == (400, "InvalidParameterException")
    assert "logGroupName" in str(answer["message"])
    status, answer = call(logs, "DescribeLogStreams", logGroupName="/aws/lambda/missing")
    assert (status, answer["__type"]) == (400, "ResourceNotFoundException")


def test_a_parameter_of_the_wrong_type_is_answered_with_what_was_given() -> None:
    """moto trusts the types it is given: a string startTime fails deep inside its search, and
    that must still be an answer naming the parameters, not an exception in the server."""
    logs = LocalLogs("us-east-1")
    logs.record(GROUP, "env-a", lines("one"))

    status, answer = call(logs, "FilterLogEvents", logGroupName=GROUP, startTime="yesterday")

    assert (status, answer["__type"]) == (400, "InvalidParameterException")
    assert str(answer["message"]).startswith(
        "FilterLogEvents cannot take these parameters (logGroupName: string, startTime: string): "
        "TypeError: "
    )
    assert call(logs, "FilterLogEvents", logGroupName=GROUP, startTime=0)[0] == 200
