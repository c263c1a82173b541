"""The local runtime's progress lines (`local: ...` on stderr)."""

from __future__ import annotations

from harness.progress import reporter

progress = reporter("local")
