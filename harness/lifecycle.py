"""Things the harness starts and must stop (servers, the policy pack's process): `start()` and
`stop()`, and the context manager that pairs them."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Started:
    """Subclasses implement `start()` (returning self) and an idempotent `stop()`."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
