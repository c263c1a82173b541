"""Reads an environment's output pipe line by line, on a thread that never blocks shutdown.

The RIE, the runtime and whatever they start share one pipe. A process the function left
behind (a daemon) may hold its write end open for ever, so the reader never waits for the end
of the pipe unboundedly: it polls with a timeout, and `stop()` ends it whether or not the pipe
has ended; the pipe is closed only after the reader is gone (closing a file another thread is
reading blocks).
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable
from typing import IO

_POLL_S = 0.05
_CHUNK = 65536


class OutputReader:
    """Calls `on_line(text)` for every line (without its newline), then `on_eof()` once."""

    def __init__(
        self,
        pipe: IO[bytes],
        name: str,
        on_line: Callable[[str], None],
        on_eof: Callable[[], None],
    ) -> None:
        self._pipe = pipe
        self._fd = pipe.fileno()
        self._on_line = on_line
        self._on_eof = on_eof
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout_s: float) -> bool:
        """Wait for the end of the pipe; whether it came."""
        return self._done.wait(timeout_s)

    def stop(self) -> None:
        """End the reader (at once if the pipe has not ended) and close the pipe."""
        self._stopping.set()
        self._thread.join()
        self._pipe.close()

    def _run(self) -> None:
        pending = b""
        try:
            while not self._stopping.is_set():
                ready, _, _ = select.select([self._fd], [], [], _POLL_S)
                if not ready:
                    continue
                chunk = os.read(self._fd, _CHUNK)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    self._on_line(line.decode("utf-8", errors="replace"))
            if pending:
                self._on_line(pending.decode("utf-8", errors="replace"))
        finally:
            self._done.set()
            self._on_eof()
