"""One event of a function's log, as CloudWatch Logs holds it: a message and its time.

A line the runtime (or anything it started) printed on stdout or stderr is one event, stamped
when the harness read it; a record awslambdaric framed on the telemetry log fd is one event
however many lines it has, stamped with the frame's own time (telemetry_log.py); the platform's
lines (INIT_START, START, END, REPORT) are stamped by the invocation (invocation.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LogEvent:
    message: str
    timestamp_ms: int
    """Milliseconds since the epoch (CloudWatch's `timestamp`)."""
    level: str | None = None
    """A framed record's level (TRACE ... FATAL); None for printed lines and platform lines."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def at(moment: datetime) -> int:
    """`moment` in CloudWatch's milliseconds."""
    return int(moment.timestamp() * 1000)


def text_of(events: list[LogEvent] | tuple[LogEvent, ...]) -> str:
    """The events as a text log (the file, the 4 KB tail): one message after the other."""
    return "".join(f"{event.message}\n" for event in events)
