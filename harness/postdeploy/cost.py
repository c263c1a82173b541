"""What an invocation costs: billed duration x memory x the GB-second price, plus the request;
with SnapStart, plus the restore and the snapshot's cache.

Prices are AWS's on-demand list prices for US East (N. Virginia), first tier (the first
6 billion GB-seconds a month), per architecture, from https://aws.amazon.com/lambda/pricing/.
They have not changed since arm64 launched (2021-09-29); since 2025-08-01 the billed duration
of a cold start includes its INIT phase (REPORT's Billed Duration already does, on both targets).
Other regions may charge more: the report names the region it was run in and the basis used.

SnapStart (Python), same page, "Lambda SnapStart pricing" (its rates render client-side; these
are as transcribed in 2026): each restore costs memory GB x a price per GB restored, the
snapshot's cache memory GB x a price per GB-second for as long as the published version exists,
and a restored environment's Billed Restore Duration (loading the runtime, the after-restore
hooks) is billed like Duration. A restored environment's first invocation therefore costs
(Billed Duration + Billed Restore Duration) x GB x the GB-second price + the request + the
restore, plus its share of the cache: the cache of one hour spread over the invocations of that
hour, `CACHE_INVOCATIONS_PER_HOUR` (a stated traffic assumption, not a measurement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

CACHE_INVOCATIONS_PER_HOUR = 1000
"""The traffic SnapStart's cache is spread over in a cost per 1,000 invocations: at 1,000
invocations an hour, 1,000 invocations carry one hour of the version's cache."""


@dataclass(frozen=True)
class Prices:
    basis: str
    as_of: str
    source: str
    gb_second_usd: Mapping[str, float] = field(default_factory=dict)
    request_usd: float = 0.0
    snapstart_restore_usd_per_gb: float = 0.0
    snapstart_cache_usd_per_gb_second: float = 0.0

    def gb_second(self, architecture: str) -> float:
        try:
            return self.gb_second_usd[architecture]
        except KeyError:
            known = ", ".join(sorted(self.gb_second_usd))
            raise ValueError(
                f"no Lambda price for architecture {architecture!r}: known are {known}"
            ) from None

    def as_json(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "asOf": self.as_of,
            "source": self.source,
            "gbSecondUsd": dict(self.gb_second_usd),
            "requestUsd": self.request_usd,
            "snapStartRestoreUsdPerGb": self.snapstart_restore_usd_per_gb,
            "snapStartCacheUsdPerGbSecond": self.snapstart_cache_usd_per_gb_second,
            "snapStartCacheInvocationsPerHour": CACHE_INVOCATIONS_PER_HOUR,
        }


LAMBDA_PRICES = Prices(
    basis="us-east-1 on-demand list price, first tier",
    as_of="2025-08-01",
    source="https://aws.amazon.com/lambda/pricing/",
    gb_second_usd=MappingProxyType({"x86_64": 0.0000166667, "arm64": 0.0000133334}),
    request_usd=0.20 / 1_000_000,
    snapstart_restore_usd_per_gb=0.0001397998,
    snapstart_cache_usd_per_gb_second=0.0000015046,
)


def invocation_cost_usd(
    billed_ms: float, memory_mb: int, architecture: str, prices: Prices = LAMBDA_PRICES
) -> float:
    """One invocation: GB-seconds (memory in GB is MB / 1024, as AWS counts) plus the request."""
    gb_seconds = (billed_ms / 1000) * (memory_mb / 1024)
    return gb_seconds * prices.gb_second(architecture) + prices.request_usd


def cost_per_1000_usd(
    billed_ms: Sequence[float],
    memory_mb: int,
    architecture: str,
    prices: Prices = LAMBDA_PRICES,
) -> float | None:
    """1,000 invocations like these: the mean billed duration's cost (cost is linear in the
    duration, so the mean, not the median, is what a bill adds up); None without samples."""
    if not billed_ms:
        return None
    mean_ms = sum(billed_ms) / len(billed_ms)
    return 1000 * invocation_cost_usd(mean_ms, memory_mb, architecture, prices)


def _gb(memory_mb: int) -> float:
    return memory_mb / 1024


def snapstart_restores_per_1000_usd(memory_mb: int, prices: Prices = LAMBDA_PRICES) -> float:
    """The restore charge of 1,000 restores of a version of `memory_mb`."""
    return 1000 * _gb(memory_mb) * prices.snapstart_restore_usd_per_gb


def snapstart_cache_per_hour_usd(memory_mb: int, prices: Prices = LAMBDA_PRICES) -> float:
    """One hour of a version's snapshot cache."""
    return 3600 * _gb(memory_mb) * prices.snapstart_cache_usd_per_gb_second


def snapstart_cold_per_1000_usd(
    billed_ms: Sequence[float],
    billed_restore_ms: Sequence[float],
    memory_mb: int,
    architecture: str,
    prices: Prices = LAMBDA_PRICES,
) -> float | None:
    """1,000 first invocations of restored environments like these (module docstring): the mean
    of Billed Duration + Billed Restore Duration as duration, the request, the restore and the
    cache's share; None without samples of both."""
    if not billed_ms or not billed_restore_ms:
        return None
    mean_ms = sum(billed_ms) / len(billed_ms) + sum(billed_restore_ms) / len(billed_restore_ms)
    cache_share = snapstart_cache_per_hour_usd(memory_mb, prices) * (
        1000 / CACHE_INVOCATIONS_PER_HOUR
    )
    return (
        1000 * invocation_cost_usd(mean_ms, memory_mb, architecture, prices)
        + snapstart_restores_per_1000_usd(memory_mb, prices)
        + cache_share
    )
