"""How much slower an emulated runtime is than this machine's: the factor its init budget and
timeouts are scaled by, measured, never assumed.

The workload is what a cold start does most: importing modules (their bytecode read, unmarshalled
and executed). It runs in the emulated interpreter and in a native one of the same Python
version, the best of a few rounds each (a busy machine slows one round, not the best). The
measured factor was 21-48 under qemu-user for arm64 here, on a busy machine (`import honeyhive`:
23 s vs 0.8 s).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Final

from harness.local.errors import HostError

ROUNDS: Final = 2
_WORKLOAD: Final = (
    "import time; t = time.perf_counter(); "
    "import json, decimal, email.parser, http.client, logging, asyncio, urllib.request; "
    "print(time.perf_counter() - t)"
)


def _seconds(python: Path) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        result = subprocess.run(
            [str(python), "-S", "-c", _WORKLOAD],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise HostError(
                f"{python} could not run the emulation benchmark: {result.stderr.strip()[-500:]}"
            )
        best = min(best, float(result.stdout.strip()))
    return best


def emulation_factor(emulated: Path, native: Path) -> float:
    """How many times longer `emulated` takes than `native` (at least 1)."""
    return max(1.0, _seconds(emulated) / _seconds(native))
