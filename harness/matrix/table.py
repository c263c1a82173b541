"""One row per runtime x architecture, from what its run left: the suite's report.json and the
layer's manifest.json. Emulated numbers are marked as such: they are not Lambda's."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infra.spec import BENCH_FUNCTION

HOW = {
    "native": "run natively",
    "emulated": "run under qemu-user",
    "static": "static checks only",
}


@dataclass(frozen=True)
class Row:
    combination: str
    how: str
    """native | emulated | static"""
    passed: bool
    interpreter: str
    """e.g. `3.14.10 (Debian sid packages ...)`, or `-` where none ran."""
    time_scale: float | None
    cold_init_p50_ms: float | None
    """BENCH_FUNCTION's Init Duration p50."""
    warm_p50_ms: float | None
    layer_unzipped_bytes: int | None
    detail: str
    """Where the run's log is, and on failure the first reason."""


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def layer_size(layer_dir: Path) -> int | None:
    manifest = _read(layer_dir / "manifest.json")
    return int(manifest["unzippedBytes"]) if manifest else None


def from_report(combination: str, report_dir: Path, layer_dir: Path, log: Path) -> Row:
    """The row of a suite run (native or emulated) that wrote report_dir/report.json."""
    report = _read(report_dir / "report.json")
    if report is None:
        return Row(combination, "native", False, "-", None, None, None, layer_size(layer_dir),
                   f"no report: see {log}")  # fmt: skip
    target = report["target"]
    facts = (target.get("runtimes") or {}).get(combination) or {}
    scale = float(facts.get("timeScale") or 1.0)
    function = report["functions"].get(BENCH_FUNCTION) or {}
    init = (function.get("cold") or {}).get("init") or {}
    warm = ((function.get("warm") or {}).get("durationMs")) or {}
    failures = report["tests"]["failures"]
    return Row(
        combination=combination,
        how="emulated" if facts.get("emulated") else "native",
        passed=bool(report["passed"]),
        interpreter=f"{facts.get('python', '?')} ({facts.get('interpreterBuild') or 'installed'})",
        time_scale=scale if facts.get("emulated") else None,
        cold_init_p50_ms=init.get("p50"),
        warm_p50_ms=warm.get("p50"),
        layer_unzipped_bytes=layer_size(layer_dir),
        detail=str(log) if not failures else f"{failures[0]['test']} ({log})",
    )


def _ms(value: float | None, emulated: bool) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} (emulated)" if emulated else f"{value:.1f}"


def render(rows: list[Row]) -> str:
    lines = [
        "| runtime-arch | how | passed | interpreter | cold init p50 ms | warm p50 ms "
        "| layer unzipped MB | log |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        emulated = row.how == "emulated"
        how = HOW[row.how] + (f" ({row.time_scale:g}x slower)" if row.time_scale else "")
        size = "-" if row.layer_unzipped_bytes is None else f"{row.layer_unzipped_bytes / 1e6:.1f}"
        lines.append(
            f"| {row.combination} | {how} | {'yes' if row.passed else 'NO'} | {row.interpreter} "
            f"| {_ms(row.cold_init_p50_ms, emulated)} | {_ms(row.warm_p50_ms, emulated)} "
            f"| {size} | {row.detail} |"
        )
    lines += [
        "",
        f"Cold init and warm are {BENCH_FUNCTION}'s p50 on this machine's local runtime, not "
        "Lambda's; emulated ones are slower still by the factor shown. Static: no interpreter "
        "of that runtime can run here, so the layer got its static checks only.",
    ]
    return "\n".join(lines) + "\n"


def as_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]
