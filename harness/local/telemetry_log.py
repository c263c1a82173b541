"""The telemetry log fd: awslambdaric's framed log records, one CloudWatch event each.

Lambda gives its runtime a pipe and names it in `_LAMBDA_TELEMETRY_LOG_FD`; awslambdaric
(`bootstrap.create_log_sink`) then writes each `logging` record, and each error it reports, as
one frame there instead of on stdout (`FramedTelemetryLogSink`), and Lambda files each frame as
one event, however many lines it holds; stdout and stderr stay line by line. The RIE passes no
such fd, so the local runtime makes the pipe itself: the environment passes its write end to the
RIE, which keeps inherited descriptors open across the exec of the runtime (it is Go: its own
descriptors are close-on-exec, inherited ones are left alone; checked with an RIE whose runtime
listed /proc/self/fd), and the runtime command names it (environment.py). One exception: Go's
exec moves its exec-error pipe onto the first descriptor above the ones it hands the runtime as
stdio, which the RIE opens afresh for each runtime (its /dev/null and output pipes, the lowest
free numbers: an inherited descriptor 11 was replaced there, and the runtime found none). So the
write end is moved to `FD_FLOOR` or above, far over what the RIE opens (`telemetry_pipe`).

A frame (awslambdaric's `lambda_runtime_log_utils` and `FramedTelemetryLogSink.log`), big-endian:
- 4 bytes type: `0xA55A` then the frame kind: bit 0 is the format (1 text, 0 JSON), bits 2-4
  the level (0 none, then TRACE, DEBUG, INFO, WARN, ERROR, FATAL: `0xA55A000F` is a text INFO);
- 4 bytes the message's length; 8 bytes its time, microseconds since the epoch;
- the message, UTF-8 (awslambdaric's formatters end it with a newline; the event has none).
Bytes that do not start with the magic (something else wrote to the descriptor) are kept as
text, so nothing written there is lost.
"""

from __future__ import annotations

import fcntl
import os
from typing import Final

from harness.local.log_event import LogEvent, now_ms

TELEMETRY_FD_ENV: Final = "_LAMBDA_TELEMETRY_LOG_FD"
FD_FLOOR: Final = 200
"""The telemetry fd's lowest number (the RIE holds a few dozen descriptors at most)."""
MAGIC: Final = 0xA55A
HEADER_BYTES: Final = 16
LEVELS: Final = (None, "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def telemetry_pipe() -> tuple[int, int]:
    """(read end, write end) of a new telemetry log pipe, both close-on-exec here (the write end
    is passed on with `pass_fds`), the write end numbered `FD_FLOOR` or above."""
    read_end, write_end = os.pipe()
    try:
        return read_end, fcntl.fcntl(write_end, fcntl.F_DUPFD_CLOEXEC, FD_FLOOR)
    except OSError:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)


class FrameDecoder:
    """Bytes from the telemetry fd in, log events out (a frame may arrive in pieces)."""

    def __init__(self) -> None:
        self._pending = b""
        self._framed = True
        """False once bytes without the magic came: the rest is read as plain text."""

    def feed(self, data: bytes) -> list[LogEvent]:
        self._pending += data
        events: list[LogEvent] = []
        while self._framed and len(self._pending) >= HEADER_BYTES:
            kind = int.from_bytes(self._pending[0:4], "big")
            if kind >> 16 != MAGIC:
                self._framed = False
                break
            length = int.from_bytes(self._pending[4:8], "big")
            if len(self._pending) < HEADER_BYTES + length:
                break
            micros = int.from_bytes(self._pending[8:16], "big")
            message = self._pending[HEADER_BYTES : HEADER_BYTES + length]
            self._pending = self._pending[HEADER_BYTES + length :]
            events.append(_event(message, micros // 1000, _level(kind)))
        if not self._framed:
            *lines, self._pending = self._pending.split(b"\n")
            events += [_event(line, now_ms(), None) for line in lines]
        return events

    def flush(self) -> list[LogEvent]:
        """What is left when the descriptor ended (a frame cut short by a killed runtime)."""
        rest, self._pending = self._pending, b""
        if self._framed and len(rest) >= HEADER_BYTES:
            kind = int.from_bytes(rest[0:4], "big")
            micros = int.from_bytes(rest[8:16], "big")
            return [_event(rest[HEADER_BYTES:], micros // 1000, _level(kind))]
        return [_event(rest, now_ms(), None)] if rest.strip() else []


def _level(kind: int) -> str | None:
    code = (kind >> 2) & 0x7
    return LEVELS[code] if code < len(LEVELS) else None


def _event(message: bytes, timestamp_ms: int, level: str | None) -> LogEvent:
    text = message.decode("utf-8", errors="replace").removesuffix("\n")
    return LogEvent(text, timestamp_ms, level)
