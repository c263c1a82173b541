"""What the RIE prints, read line by line: its own log lines, its START/END/REPORT, the function's.

The RIE and the runtime share one stdout/stderr pipe (the runtime inherits the RIE's), so the
order of the lines is the order things happened. The lines that matter (aws-lambda-runtime-
interface-emulator; the `(rapid)` lines come from its telemetry events, e.g.
`InitReportData.String()` -> `INIT REPORT(durationMs: %f)`):

- `START RequestId: <id> Version: $LATEST`: printed by the RIE's invoke handler before it
  starts the (lazy) init, so it carries the request id the runtime will see;
- `INIT START(...)` ... `INIT RTDONE(status: success|error)` ... `INIT REPORT(durationMs:
  <ms>)`: the init phase, from starting the runtime process to its first `/next` (or its
  init error); the function's init-time output lies between them;
- `REPORT RequestId: <id>\\t...`: printed before the HTTP response is written (its numbers are
  not used: Init Duration is ~0 because init is lazy, and memory echoes the configuration).

A line may carry the end of the function's output that had no newline, then an RIE line:
`classify` splits it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class LineKind(Enum):
    FUNCTION = "function"
    REQUEST_START = "request-start"
    REQUEST_END = "request-end"
    REQUEST_REPORT = "request-report"
    INIT_START = "init-start"
    INIT_DONE = "init-done"
    INIT_REPORT = "init-report"
    RIE_LOG = "rie-log"


@dataclass(frozen=True)
class Event:
    kind: LineKind
    text: str
    request_id: str = ""
    duration_ms: float | None = None
    status: str = ""


_RIE_LOG = re.compile(r"\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2},\d{3} \[[A-Z]+\] \(rapid\) ")
_PLATFORM = re.compile(
    r"(START|END|REPORT) RequestId: ([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})"
)
_INIT_DONE = re.compile(r"^INIT RTDONE\(status: (\w+)")
_INIT_REPORT = re.compile(r"^INIT REPORT\(.*?durationMs: ([0-9.]+)")
_PLATFORM_KINDS = {
    "START": LineKind.REQUEST_START,
    "END": LineKind.REQUEST_END,
    "REPORT": LineKind.REQUEST_REPORT,
}


def classify(line: str) -> list[Event]:
    """The events in one output line (without its newline)."""
    rie = _RIE_LOG.search(line)
    platform = _PLATFORM.search(line)
    first = min(
        (m for m in (rie, platform) if m is not None), key=lambda m: m.start(), default=None
    )
    if first is None:
        return [Event(LineKind.FUNCTION, line)]
    events = [Event(LineKind.FUNCTION, line[: first.start()])] if first.start() > 0 else []
    if first is rie:
        events.append(_rie_event(line[first.end() :]))
    else:
        events.append(Event(_PLATFORM_KINDS[first.group(1)], line[first.start() :], first.group(2)))
    return events


def _rie_event(message: str) -> Event:
    if message.startswith("INIT START("):
        return Event(LineKind.INIT_START, message)
    if match := _INIT_DONE.match(message):
        return Event(LineKind.INIT_DONE, message, status=match.group(1))
    if match := _INIT_REPORT.match(message):
        return Event(LineKind.INIT_REPORT, message, duration_ms=float(match.group(1)))
    return Event(LineKind.RIE_LOG, message)
