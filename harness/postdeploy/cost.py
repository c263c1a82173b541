"""What an invocation costs: billed duration x memory x the GB-second price, plus the request.

Prices are AWS's on-demand list prices for US East (N. Virginia), first tier (the first
6 billion GB-seconds a month), per architecture, from https://aws.amazon.com/lambda/pricing/.
They have not changed since arm64 launched (2021-09-29); since 2025-08-01 the billed duration
of a cold start includes its INIT phase (REPORT's Billed Duration already does, on both targets).
Other regions may charge more: the report names the region it was run in and the basis used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Prices:
    basis: str
    as_of: str
    source: str
    gb_second_usd: Mapping[str, float] = field(default_factory=dict)
    request_usd: float = 0.0

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
        }


LAMBDA_PRICES = Prices(
    basis="us-east-1 on-demand list price, first tier",
    as_of="2025-08-01",
    source="https://aws.amazon.com/lambda/pricing/",
    gb_second_usd=MappingProxyType({"x86_64": 0.0000166667, "arm64": 0.0000133334}),
    request_usd=0.20 / 1_000_000,
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
