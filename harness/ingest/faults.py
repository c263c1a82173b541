"""Fault injection for the ingest routes: a status code, a delay, or a dropped connection.

A fault spec on the command line is `ROUTE=SPEC` where SPEC is an HTTP status (`500`),
`delay:SECONDS` or `refuse`; flags for the same route combine (`--fault R=delay:3 --fault R=503`).
ROUTE is one of `SDK_ROUTES` or `*` (every SDK route without a fault of its own).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from harness.ingest.errors import IngestError

SESSION_START = "/session/start"
TRACES = "/opentelemetry/v1/traces"
SDK_ROUTES = (SESSION_START, TRACES)
ANY_ROUTE = "*"


@dataclass(frozen=True)
class Fault:
    """What the server does to a request before handling it: wait, then drop or fail it."""

    status: int | None = None
    delay: float = 0.0
    refuse: bool = False

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise IngestError(f"fault status must be an HTTP status 100-599, got {self.status}")
        if self.delay < 0:
            raise IngestError(f"fault delay must be >= 0 seconds, got {self.delay}")

    def combined(self, other: Fault) -> Fault:
        """This fault with `other`'s settings laid over it (the CLI's repeated flags)."""
        return replace(
            self,
            status=other.status if other.status is not None else self.status,
            delay=other.delay or self.delay,
            refuse=other.refuse or self.refuse,
        )


def check_route(route: str) -> str:
    if route != ANY_ROUTE and route not in SDK_ROUTES:
        allowed = ", ".join((*SDK_ROUTES, ANY_ROUTE))
        raise IngestError(f"fault route must be one of {allowed}, got {route!r}")
    return route


def parse_fault(spec: str) -> tuple[str, Fault]:
    """`ROUTE=500`, `ROUTE=delay:2.5` or `ROUTE=refuse` -> (route, Fault)."""
    route, sep, action = spec.partition("=")
    if not sep or not action:
        raise IngestError(f"fault must be ROUTE=STATUS|delay:SECONDS|refuse, got {spec!r}")
    check_route(route)
    if action == "refuse":
        return route, Fault(refuse=True)
    if action.startswith("delay:"):
        seconds = action.removeprefix("delay:")
        try:
            delay = float(seconds)
        except ValueError:
            raise IngestError(f"fault delay must be a number of seconds, got {seconds!r}") from None
        return route, Fault(delay=delay)
    if action.isdigit():
        return route, Fault(status=int(action))
    raise IngestError(f"fault action must be STATUS, delay:SECONDS or refuse, got {action!r}")


class FaultTable:
    """Faults by route, safe to change while requests are being served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}

    def set(self, route: str, fault: Fault) -> None:
        with self._lock:
            self._faults[check_route(route)] = fault

    def add(self, route: str, fault: Fault) -> None:
        """Combine `fault` with what the route already has."""
        with self._lock:
            current = self._faults.get(check_route(route), Fault())
            self._faults[route] = current.combined(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def for_route(self, route: str) -> Fault | None:
        if route not in SDK_ROUTES:
            return None
        with self._lock:
            return self._faults.get(route) or self._faults.get(ANY_ROUTE)
