"""Where a cold start's import time goes: CPython's `-X importtime` lines, parsed and compared.

With PYTHONPROFILEIMPORTTIME=1 in a function's environment, its runtime writes one line per
module it imports to stderr (the function's log), children before their parent:

    import time: self [us] | cumulative | imported package
    import time:       524 |    1243841 | honeyhive

Only a module's first import is listed; the nesting is two spaces per level. A module can appear
twice (a dotted import reached at two depths): its largest cumulative time is kept. The SDK's
total is the cumulative time of the shallowest `honeyhive` line (everything importing it pulled
in that had not been imported yet).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

SDK_PACKAGE = "honeyhive"
TOP_MODULES = 15
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


@dataclass(frozen=True)
class ModuleTime:
    module: str
    self_ms: float
    cumulative_ms: float
    depth: int


@dataclass(frozen=True)
class ImportProfile:
    modules: Mapping[str, ModuleTime]
    """By module name: its own and cumulative import time."""
    sdk_total_ms: float | None
    """The SDK's cumulative import time (None: the SDK was not imported, or before profiling)."""

    def top(self, count: int = TOP_MODULES) -> list[ModuleTime]:
        """The `count` modules with the largest cumulative import time."""
        return sorted(self.modules.values(), key=lambda m: (-m.cumulative_ms, m.module))[:count]

    def as_json(self, count: int = TOP_MODULES) -> dict[str, Any]:
        return {
            "modules": len(self.modules),
            "sdkTotalMs": None if self.sdk_total_ms is None else round(self.sdk_total_ms, 3),
            "top": [
                {
                    "module": m.module,
                    "cumulativeMs": round(m.cumulative_ms, 3),
                    "selfMs": round(m.self_ms, 3),
                }
                for m in self.top(count)
            ],
        }


def _message(line: str) -> str:
    """A log line's text: a JSON-format log line carries it in `message`."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            return line
        if isinstance(record, dict) and isinstance(record.get("message"), str):
            return str(record["message"])
    return line


def parse(lines: Iterable[str]) -> ImportProfile:
    """The profile in `lines` (other lines are ignored); an empty profile when there is none."""
    modules: dict[str, ModuleTime] = {}
    shallowest_sdk: ModuleTime | None = None
    for line in lines:
        match = _LINE.search(_message(line))
        if match is None:
            continue
        entry = ModuleTime(
            module=match[4],
            self_ms=int(match[1]) / 1000,
            cumulative_ms=int(match[2]) / 1000,
            depth=len(match[3]) // 2,
        )
        known = modules.get(entry.module)
        if known is None or entry.cumulative_ms > known.cumulative_ms:
            modules[entry.module] = entry
        if entry.module == SDK_PACKAGE and (
            shallowest_sdk is None or entry.depth < shallowest_sdk.depth
        ):
            shallowest_sdk = entry
    total = shallowest_sdk.cumulative_ms if shallowest_sdk else None
    return ImportProfile(modules, total)


def merged(profiles: Sequence[ImportProfile]) -> ImportProfile:
    """The per-module median of several profiles of the same code (a module missing from one
    profile counts as 0 there): one profile's small timings are noisy."""
    if len(profiles) == 1:
        return profiles[0]
    names = sorted({name for p in profiles for name in p.modules})
    modules = {}
    for name in names:
        seen = [p.modules.get(name) for p in profiles]
        present = [m for m in seen if m is not None]
        modules[name] = ModuleTime(
            name,
            median(m.self_ms if m else 0.0 for m in seen),
            median(m.cumulative_ms if m else 0.0 for m in seen),
            min(m.depth for m in present),
        )
    totals = [p.sdk_total_ms for p in profiles if p.sdk_total_ms is not None]
    return ImportProfile(modules, median(totals) if totals else None)


@dataclass(frozen=True)
class ModuleChange:
    module: str
    self_delta_ms: float
    cumulative_delta_ms: float
    status: str
    """`changed`, `new` (imported by head only) or `gone` (by base only)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "selfDeltaMs": round(self.self_delta_ms, 3),
            "cumulativeDeltaMs": round(self.cumulative_delta_ms, 3),
            "status": self.status,
        }


def diff(base: ImportProfile, head: ImportProfile, count: int = TOP_MODULES) -> list[ModuleChange]:
    """The modules whose own import time changed most, largest change first.

    Ranked by own (self) time: a module that got slower adds its delta to the cumulative time of
    every module above it, so ranking by cumulative time would tie the culprit with its
    importers; its own time changes alone.
    """
    changes = []
    for name in base.modules.keys() | head.modules.keys():
        b, h = base.modules.get(name), head.modules.get(name)
        status = "changed" if b and h else "new" if h else "gone"
        changes.append(
            ModuleChange(
                name,
                (h.self_ms if h else 0.0) - (b.self_ms if b else 0.0),
                (h.cumulative_ms if h else 0.0) - (b.cumulative_ms if b else 0.0),
                status,
            )
        )
    changes.sort(key=lambda c: (-abs(c.self_delta_ms), c.module))
    return changes[:count]


def by_package(profile: ImportProfile) -> dict[str, float]:
    """Own import time per top-level package (`opentelemetry`, `pydantic`, ...), largest first:
    what the cold start's imports cost, by the package that does the work."""
    totals: dict[str, float] = {}
    for module in profile.modules.values():
        top = module.module.split(".", 1)[0]
        totals[top] = totals.get(top, 0.0) + module.self_ms
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))
