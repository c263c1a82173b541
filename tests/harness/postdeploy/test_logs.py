"""A cold start's own log lines, read back through CloudWatch Logs' FilterLogEvents (moto's
implementation of the API: filter patterns, streams, pagination)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from harness.postdeploy.logs import LogsNotFound, cold_start_lines

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

GROUP = "/aws/lambda/honeyhive-ci-working-sdk-test"
# CloudWatch (and moto) refuse events older than 14 days: the log is written now.
T0 = int(time.time() * 1000) - 60_000


@pytest.fixture
def logs() -> Iterator[CloudWatchLogsClient]:
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        client.create_log_group(logGroupName=GROUP)
        yield client


def put(logs: CloudWatchLogsClient, stream: str, messages: list[str], start: int = T0) -> None:
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": start + i, "message": m} for i, m in enumerate(messages)],
    )


INIT = [
    "INIT_START Runtime Version: python:3.13.v40",
    "import time: self [us] | cumulative | imported package",
    "import time:       524 |    1243841 | honeyhive",
]


def test_the_stream_of_the_request_up_to_its_report(logs: CloudWatchLogsClient) -> None:
    put(
        logs,
        "2026/11/29/[$LATEST]other",
        ["START RequestId: r0", "REPORT RequestId: r0 Duration: 2 ms"],
    )
    put(logs, "2026/11/29/[$LATEST]cold", [
        *INIT, "START RequestId: r1 Version: $LATEST", "END RequestId: r1",
        "REPORT RequestId: r1 Duration: 3.1 ms Init Duration: 1300.2 ms",
        "START RequestId: r2 Version: $LATEST", "REPORT RequestId: r2 Duration: 2 ms",
    ])  # fmt: skip
    lines = cold_start_lines(logs, GROUP, "r1", T0 - 1000, wait_s=0)
    assert lines[: len(INIT)] == INIT
    assert lines[-1].startswith("REPORT RequestId: r1")
    assert not any("r2" in line or "r0" in line for line in lines)


def test_the_json_log_format(logs: CloudWatchLogsClient) -> None:
    report = {"time": "t", "type": "platform.report", "record": {"requestId": "r1"}}
    start = {"time": "t", "type": "platform.start", "record": {"requestId": "r1"}}
    put(logs, "s", [*INIT, json.dumps(start), json.dumps(report), "after"])
    assert cold_start_lines(logs, GROUP, "r1", T0, wait_s=0)[-1] == json.dumps(report)


def test_a_log_that_never_arrives_fails_naming_the_request(logs: CloudWatchLogsClient) -> None:
    put(logs, "s", [*INIT, "START RequestId: r1"])  # no REPORT yet, and it never comes
    waits: list[float] = []
    with pytest.raises(LogsNotFound, match=r"no REPORT line for request r1 within 5 s"):
        cold_start_lines(logs, GROUP, "r1", T0, wait_s=5, poll_s=1, sleep=waits.append)
    assert waits, "it polled before giving up"


def test_it_waits_for_the_report_to_become_searchable(logs: CloudWatchLogsClient) -> None:
    put(logs, "s", [*INIT, "START RequestId: r1"])

    def arrives(_: float) -> None:
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName="s",
            logEvents=[{"timestamp": T0 + 10, "message": "REPORT RequestId: r1 Duration: 1 ms"}],
        )

    lines = cold_start_lines(logs, GROUP, "r1", T0, wait_s=60, poll_s=0, sleep=arrives)
    assert lines[-1].startswith("REPORT RequestId: r1")


def test_events_before_the_start_time_are_not_read(logs: CloudWatchLogsClient) -> None:
    put(logs, "s", ["import time:         1 |          1 | stale", "START RequestId: r1",
                    "REPORT RequestId: r1 Duration: 1 ms"], start=T0)  # fmt: skip
    lines = cold_start_lines(logs, GROUP, "r1", T0 + 1, wait_s=0)
    assert lines == ["START RequestId: r1", "REPORT RequestId: r1 Duration: 1 ms"]


def test_an_event_of_several_lines_is_read_line_by_line(logs: CloudWatchLogsClient) -> None:
    """One write with newlines in it is one event: its REPORT line, not the event's first or
    last line, is found, and the lines after it are not the cold start's."""
    report = "REPORT RequestId: r1 Duration: 3.1 ms Init Duration: 1300.2 ms"
    one_write = [*INIT, "START RequestId: r1 Version: $LATEST", report, "START RequestId: r2"]
    put(logs, "s", ["\n".join(one_write) + "\n", "REPORT RequestId: r2 Duration: 2 ms"])
    lines = cold_start_lines(logs, GROUP, "r1", T0, wait_s=0)
    assert lines == [*INIT, "START RequestId: r1 Version: $LATEST", report]
