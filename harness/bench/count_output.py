"""The instruction gate's part of bench.md: the verdict, per-phase counts, the guards' findings,
the per-side guard readings and the functions whose instructions moved most."""

from __future__ import annotations

from typing import Any

from harness.postdeploy.blocks import mermaid_bars, table

CHART_ENTRIES = 8


def _giga(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e9:.4f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def headline(count: dict[str, Any] | None) -> list[str]:
    """The gate's verdict line, and every guard finding under it."""
    if count is None:
        return ["Instruction gate: **not run** (`--no-count`, or a deployed stack).", ""]
    if count.get("verdict") is None:
        reasons = [count.get("reason")] + [p.get("reason") for p in count.get("phases", [])]
        shown = "; ".join(str(reason) for reason in reasons if reason)
        return [f"Instruction gate: **not measured**: {shown}", ""]
    phases = count["phases"]
    worst = max(phases, key=lambda phase: abs(phase["headOverBase"] - 1))
    lines = [
        f"Instruction gate: **{count['verdict']}**: instructions **{count['instructionVerdict']}** "
        f"(largest change: {worst['phase']}, head/base {worst['headOverBase']:.4f}, median of "
        f"{count['rounds']} round{'s' if count['rounds'] != 1 else ''}; tolerance "
        f"{count['tolerance']:.1%}, this run's noise: rounds "
        f"of a side within {count['roundSpread']:.3%}); guards: "
        f"{sum(f['gates'] for f in count['guardFindings'])} gating findings.",
        "",
    ]
    lines += [
        f"- {'**' if f['gates'] else ''}{f['text']}{'**' if f['gates'] else ''}"
        for f in count["guardFindings"]
    ]
    return [*lines, ""] if count["guardFindings"] else lines


def _phases(count: dict[str, Any]) -> list[str]:
    rows = [
        [
            p["phase"], _giga(p["headInstructions"][0]), _giga(p["baseInstructions"][0]),
            _ratio(p["headOverBase"]), f"{p['roundSpread']:.3%}",
            _giga(p["headEstimatedCycles"]), _giga(p["baseEstimatedCycles"]),
            _ratio(p["cyclesHeadOverBase"]), p["verdict"] or "no verdict",
        ]
        for p in count["phases"]
    ]  # fmt: skip
    return table(
        ["phase", "head G instr.", "base G instr.", "head/base (median)", "round spread",
         "head G est. cycles", "base G est. cycles", "cycles head/base", "verdict"],
        rows,
    )  # fmt: skip


def _guards(count: dict[str, Any]) -> list[str]:
    rows = []
    for label, phases in count["guards"].items():
        for phase, g in phases.items():
            kinds = sorted({e["kind"] for e in g["events"]})
            effects = ", ".join(f"{k} {sum(e['kind'] == k for e in g['events'])}" for k in kinds)
            rows.append([
                label, phase, effects or "none", f"{g['nativeThreads']} ({len(g['threadsAlive'])})",
                str(sum(g["syscalls"].values())), str(g["modules"]), f"{g['rssBytes'] / 2**20:.1f}",
            ])  # fmt: skip
    return table(
        ["side", "phase", "network/process/thread events", "threads alive (Python)",
         "system calls", "modules", "resident MiB"],
        rows,
    )  # fmt: skip


def _attribution(entry: dict[str, Any]) -> list[str]:
    functions = entry["functions"]
    lines = [
        "",
        f"### {entry['phase']}: where the instructions moved (head minus base)",
        "",
        f"Total: {entry['totalDelta']:+,} instructions. Functions (C level, as cachegrind sees "
        "them: Python code runs inside the interpreter's eval loop) ranked by the change in "
        "their own instructions:",
        "",
    ]
    if not functions:
        return [*lines, "No function's instructions changed."]
    lines += table(
        ["function", "change", "head", "base"],
        [[f"`{f['function']}`", f"{f['delta']:+,}", f"{f['head']:,}", f"{f['base']:,}"]
         for f in functions],
    )  # fmt: skip
    bars = [
        (f"{'+' if f['delta'] > 0 else '-'} {f['function'].split(' ')[0]}", abs(f["delta"]) / 1e6)
        for f in functions[:CHART_ENTRIES]
    ]
    return [*lines, "", *mermaid_bars("Change in own instructions (millions)", bars, "M instr.")]


def details(count: dict[str, Any] | None) -> list[str]:
    """Per-phase counts, per-side guard readings and the attribution."""
    if count is None or "phases" not in count:
        return []
    lines = [
        "",
        "## Instruction counts (cachegrind)",
        "",
        "Each phase runs under valgrind's cachegrind in the runtime's interpreter, fixed "
        "environment, head and base at once; the verdict takes instructions (Ir), estimated "
        "cycles (Ir + 10 L1 misses + 100 LL misses, round 1; for the import and the bench "
        "function's init) are beside them.",
        "",
        *_phases(count),
        "",
        "## Guards (what instructions cannot see)",
        "",
        *_guards(count),
    ]
    for entry in count["attribution"]:
        lines += _attribution(entry)
    return lines
