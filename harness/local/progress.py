"""Progress lines for long steps, on stderr so stdout stays the command's result."""

from __future__ import annotations

import sys


def progress(message: str) -> None:
    print(f"local: {message}", file=sys.stderr, flush=True)
