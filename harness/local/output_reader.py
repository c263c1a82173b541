"""Reads an environment's output: its stdout/stderr pipe line by line, and the runtime's
telemetry log fd frame by frame (telemetry_log.py), on a thread that never blocks shutdown.

The RIE, the runtime and whatever they start share one pipe. A process the function left
behind (a daemon) may hold its write end open for ever, so the reader never waits for the end
of the pipe unboundedly: it polls with a timeout, and `stop()` ends it whether or not the pipe
has ended; the pipe is closed only after the reader is gone (closing a file another thread is
reading blocks).

Order: one thread reads both descriptors; when both hold data, the telemetry fd is drained
first. A record written before a line is therefore never handled after it (the runtime's last
records before its answer come before the RIE's REPORT, which the RIE prints after the answer);
a line and a record written within one poll of each other may be handled record first (Lambda
also merges the two streams by time). Whatever is still in the telemetry fd when the reader ends
(the runtime was killed at a timeout, or crashed) is read then: nothing written is lost.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Callable
from typing import IO

from harness.local.log_event import LogEvent
from harness.local.telemetry_log import FrameDecoder

_POLL_S = 0.05
_CHUNK = 65536


class OutputReader:
    """Calls `on_line(text)` for every line (without its newline) and `on_record(event)` for
    every framed record of `telemetry` (a descriptor the reader then owns), then `on_eof()`."""

    def __init__(
        self,
        pipe: IO[bytes],
        name: str,
        on_line: Callable[[str], None],
        on_eof: Callable[[], None],
        *,
        telemetry: int | None = None,
        on_record: Callable[[LogEvent], None] | None = None,
    ) -> None:
        self._pipe = pipe
        self._fd = pipe.fileno()
        self._on_line = on_line
        self._on_eof = on_eof
        self._telemetry = telemetry
        self._telemetry_open = telemetry is not None
        self._on_record = on_record or (lambda _event: None)
        self._decoder = FrameDecoder()
        if telemetry is not None:
            os.set_blocking(telemetry, False)
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout_s: float) -> bool:
        """Wait for the end of the pipe; whether it came."""
        return self._done.wait(timeout_s)

    def stop(self) -> None:
        """End the reader (at once if the pipe has not ended) and close what it read."""
        self._stopping.set()
        self._thread.join()
        self._pipe.close()
        if self._telemetry is not None:
            with contextlib.suppress(OSError):
                os.close(self._telemetry)

    def _run(self) -> None:
        pending = b""
        try:
            while not self._stopping.is_set():
                watched = [self._fd]
                if self._telemetry_open and self._telemetry is not None:
                    watched.append(self._telemetry)
                ready, _, _ = select.select(watched, [], [], _POLL_S)
                if self._telemetry is not None and self._telemetry in ready:
                    self._drain_telemetry()
                if self._fd not in ready:
                    continue
                chunk = os.read(self._fd, _CHUNK)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    self._on_line(line.decode("utf-8", errors="replace"))
        finally:
            self._drain_telemetry()
            for event in self._decoder.flush():
                self._on_record(event)
            if pending:
                self._on_line(pending.decode("utf-8", errors="replace"))
            self._done.set()
            self._on_eof()

    def _drain_telemetry(self) -> None:
        """Read every frame the telemetry fd holds now (it never blocks)."""
        while self._telemetry_open and self._telemetry is not None:
            try:
                data = os.read(self._telemetry, _CHUNK)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._telemetry_open = False  # every writer is gone
                return
            for event in self._decoder.feed(data):
                self._on_record(event)
