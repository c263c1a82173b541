"""bench.md for `--snapstart`: one SDK's first call on demand against SnapStart, and their costs."""

from __future__ import annotations

from typing import Any

from harness.bench.snapstart import LOCAL_NOTE
from harness.postdeploy.blocks import ms, table
from harness.postdeploy.snapstart_run import pricing_note


def _stat(summary: dict[str, Any] | None, key: str = "p50") -> str:
    return ms(summary.get(key)) if summary else "-"


def _usd(value: float | None, missing: str = "-") -> str:
    return missing if value is None else f"${value:.6f}"


def _verdict(compared: dict[str, Any]) -> str:
    if compared.get("verdict") is None:
        return f"Verdict: **not measured**: {compared.get('reason')}"
    low, high = compared["confidenceInterval"]
    return (
        f"Verdict: **{compared['meaning']}**: SnapStart / on demand "
        f"{compared['snapStartOverOnDemand']:.3f} of the first calls' {compared['statistic']}, "
        f"{compared['confidenceLevel']:.0%} CI [{low:.3f}, {high:.3f}] ({compared['method']} "
        f"bootstrap); tolerance {compared['tolerance']:.0%}."
    )


def render(document: dict[str, Any]) -> str:
    measured = document["snapStart"]
    on_demand, snap = measured["onDemand"], measured["snapStart"]
    reported = measured["restoreReported"]
    lines = [
        f"# SnapStart against on demand: {document['target']['kind']}, {document['runtime']} "
        f"{document['architecture']}",
        "",
        f"SDK: **{document['sdks']['head']}** · alias `{measured['alias']}`",
        "",
        _verdict(measured["comparison"]),
        "",
        f"{document['coldStarts']} rounds: a forced cold start of `$LATEST` and the first call of "
        f"a new restored environment, alternating which goes first ({snap['bursts']} bursts, "
        f"{snap['environments']} restored environments, {snap['reused']} invocations reused one); "
        f"{document['startedAt']} to {document['finishedAt']}.",
        "",
    ]
    lines += table(
        ["side", "samples", "first call p50 ms", "first call p95 ms", "init / restore p50 ms",
         "cold start p50 ms (AWS)", "billed p50 ms", "billed restore p50 ms", "cold / 1k"],
        [
            ["on demand", str(len(on_demand["firstCallMs"])), _stat(on_demand["firstCall"]),
             _stat(on_demand["firstCall"], "p95"), _stat(on_demand["startMs"]),
             _stat(on_demand["coldStartMs"]), _stat(on_demand["billedMs"]), "-",
             _usd(on_demand["costPer1000Usd"])],
            ["SnapStart", str(len(snap["firstCallMs"])), _stat(snap["firstCall"]),
             _stat(snap["firstCall"], "p95"),
             _stat(snap["startMs"]) if reported else "not emulated",
             _stat(snap["coldStartMs"]) if reported else "not emulated",
             _stat(snap["billedMs"]) if reported else "not emulated",
             _stat(snap["billedRestoreMs"]),
             _usd(snap["costs"]["coldPer1kUsd"], "not emulated")],
        ],
    )  # fmt: skip
    lines += [
        "",
        "First call: the invoke's round trip as the caller sees it. Init / restore: `$LATEST`'s "
        "Init Duration, the alias's Restore Duration. Cold start: Init (or Restore) Duration + "
        "Duration, as AWS counts a cold start.",
        "",
        *pricing_note(),
    ]
    if not reported:
        lines += ["", LOCAL_NOTE]
    if measured["errors"]:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in measured["errors"]]
    return "\n".join(lines) + "\n"
