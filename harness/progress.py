"""Progress lines for long steps, on stderr so stdout stays the command's result."""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]


def reporter(source: str) -> Progress:
    """`progress(message)` printing `<source>: <message>` to stderr, flushed at once."""

    def progress(message: str) -> None:
        print(f"{source}: {message}", file=sys.stderr, flush=True)

    return progress
