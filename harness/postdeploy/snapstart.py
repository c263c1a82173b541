"""SnapStart's uniqueness check: ids that must differ between restored execution environments.

Every environment restored from one snapshot starts with the same memory: an SDK that draws trace
or span ids from Python's `random` (OpenTelemetry's RandomIdGenerator does; nothing reseeds it
after a restore: AWS's "Handling uniqueness with Lambda SnapStart") draws the same ids in each,
and HoneyHive would merge their traces. Within one environment ids may repeat legitimately (the
spans of one trace share its trace id); across environments none may.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

KINDS: Final = ("trace id", "span id", "session id")
SHOWN: Final = 5
"""Colliding ids named per kind in a message (the count is always given)."""


@dataclass(frozen=True)
class EnvironmentIds:
    """What one restored environment's first invocation produced."""

    environment: str
    """Its name in the report: the log stream (one per environment)."""
    trace_ids: tuple[str, ...]
    span_ids: tuple[str, ...]
    session_ids: tuple[str, ...]

    def of(self, kind: str) -> tuple[str, ...]:
        return {"trace id": self.trace_ids, "span id": self.span_ids}.get(kind, self.session_ids)


@dataclass(frozen=True)
class Collision:
    kind: str
    value: str
    environments: tuple[str, ...]


def collisions(environments: Sequence[EnvironmentIds]) -> list[Collision]:
    """Every id that more than one environment produced, by kind, in a stable order."""
    found: list[Collision] = []
    for kind in KINDS:
        owners: dict[str, list[str]] = {}
        for env in environments:
            for value in dict.fromkeys(env.of(kind)):
                owners.setdefault(value, []).append(env.environment)
        found += [
            Collision(kind, value, tuple(envs)) for value, envs in owners.items() if len(envs) > 1
        ]
    return found


def uniqueness_problem(function: str, environments: Sequence[EnvironmentIds]) -> str | None:
    """None when every id is the environment's own; else a message naming the colliding ids."""
    found = collisions(environments)
    if not found:
        return None
    parts = [_describe(kind, [c for c in found if c.kind == kind]) for kind in KINDS]
    return (
        f"{function}: {len(environments)} environments restored from one SnapStart snapshot "
        f"produced the same ids: {'; '.join(p for p in parts if p)}. The SDK draws them from "
        "state the snapshot holds (Python's `random`); reseed it after restore "
        "(snapshot_restore_py.register_after_restore) or draw ids from os.urandom/secrets"
    )


def _describe(kind: str, found: Iterable[Collision]) -> str:
    items = list(found)
    if not items:
        return ""
    shown = ", ".join(f"{c.value} (in {len(c.environments)})" for c in items[:SHOWN])
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return f"{len(items)} {kind}(s) shared: {shown}{more}"
