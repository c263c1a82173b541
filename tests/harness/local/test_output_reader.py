"""The output reader: every line, in order, and a stop that never waits for the pipe to end
(a daemon the function left may hold it open for ever)."""

from __future__ import annotations

import os
import threading

from harness.local.output_reader import OutputReader
from tests.harness.local.fixtures import wait_until


def test_lines_arrive_in_order_and_a_last_partial_line_too() -> None:
    read_end, write_end = os.pipe()
    lines: list[str] = []
    ended = threading.Event()
    reader = OutputReader(os.fdopen(read_end, "rb"), "test", lines.append, ended.set)
    reader.start()
    os.write(write_end, b"one\ntw")
    os.write(write_end, "o\nthré".encode())
    os.close(write_end)
    assert reader.wait(10)
    reader.stop()
    assert lines == ["one", "two", "thré"]
    assert ended.is_set()


def test_stop_returns_while_another_process_still_holds_the_pipe() -> None:
    read_end, write_end = os.pipe()  # the write end stays open: a daemon that inherited it
    lines: list[str] = []
    reader = OutputReader(os.fdopen(read_end, "rb"), "test", lines.append, lambda: None)
    reader.start()
    os.write(write_end, b"before the stop\n")
    wait_until(lambda: bool(lines), 10, "the line")
    assert not reader.wait(0.1)  # the pipe has not ended
    reader.stop()
    assert lines == ["before the stop"]
    os.close(write_end)


def frame(message: str, micros: int, kind: int = 0xA55A000F) -> bytes:
    """One telemetry frame as awslambdaric writes it (a text INFO record by default)."""
    data = message.encode()
    return kind.to_bytes(4, "big") + len(data).to_bytes(4, "big") + micros.to_bytes(8, "big") + data


def test_a_record_written_before_a_line_is_handled_first_and_none_is_lost_at_stop() -> None:
    """The RIE prints REPORT after the runtime's answer, so the records the handler wrote
    before answering must be handled before that line; what is left in the telemetry fd when
    the reader stops (a runtime killed at its timeout) is still read."""
    read_end, write_end = os.pipe()
    telemetry, telemetry_writer = os.pipe()
    seen: list[str] = []
    reader = OutputReader(
        os.fdopen(read_end, "rb"),
        "test",
        lambda line: seen.append(f"line {line}"),
        lambda: None,
        telemetry=telemetry,
        on_record=lambda event: seen.append(f"record {event.message} {event.timestamp_ms}"),
    )
    os.write(telemetry_writer, frame("first\nof two lines\n", 1_700_000_000_123_456))
    os.write(write_end, b"REPORT RequestId: x\n")
    reader.start()
    wait_until(lambda: len(seen) == 2, 10, "the record and the line")
    os.write(telemetry_writer, frame("written before the kill\n", 1_700_000_000_200_000)[:-4])
    reader.stop()
    assert seen == [
        "record first\nof two lines 1700000000123",
        "line REPORT RequestId: x",
        "record written before the k 1700000000200",  # cut short: kept
    ]
    for fd in (write_end, telemetry_writer):
        os.close(fd)
