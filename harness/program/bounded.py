"""Text a program writes, kept to a bounded size: the first lines and the last ones.

A failing program can print without end (a loop, or the SDK's "Future exception was never
retrieved" for every pending output); the gate must still report in a few screens, with the
program's real error first (the caller puts it before this).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Final

HEAD_LINES: Final = 60
TAIL_LINES: Final = 40
LINE_CHARS: Final = 1000


class BoundedLines:
    """Lines in arrival order, at most `head + tail` of them; thread-safe."""

    def __init__(self, head: int = HEAD_LINES, tail: int = TAIL_LINES) -> None:
        self._head_max = head
        self._head: list[str] = []
        self._tail: deque[str] = deque(maxlen=tail)
        self._seen = 0
        self._lock = threading.Lock()

    def add(self, line: str) -> None:
        line = line.rstrip("\n")
        if len(line) > LINE_CHARS:
            line = f"{line[:LINE_CHARS]}... ({len(line) - LINE_CHARS} more characters)"
        with self._lock:
            self._seen += 1
            if len(self._head) < self._head_max:
                self._head.append(line)
            else:
                self._tail.append(line)

    def lines(self) -> list[str]:
        with self._lock:
            omitted = self._seen - len(self._head) - len(self._tail)
            gap = [f"... ({omitted} lines omitted) ..."] if omitted else []
            return [*self._head, *gap, *self._tail]

    def text(self) -> str:
        return "\n".join(self.lines())
