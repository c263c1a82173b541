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
