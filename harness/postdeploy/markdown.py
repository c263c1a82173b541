"""report.md: the report's tables, from the report.json document (so both always agree)."""

from __future__ import annotations

from typing import Any

from harness.postdeploy import attribution, snapstart_run
from harness.postdeploy.blocks import ms, table
from infra.snapstart import HOOKED_VARIANT
from infra.spec import BENCH_FUNCTION

LOCAL_NOTE = (
    "Local target: AWS's Runtime Interface Emulator on this machine's shared CPU, not Lambda's "
    "CPU share; Init Duration and Max Memory Used are measured by the local runtime, Billed "
    "Duration is computed as AWS bills (init included). Compare ratios, not absolute numbers."
)


def _usd(value: Any) -> str:
    return "-" if value is None else f"${value:.6f}"


def _stat(summary: Any, key: str) -> str:
    return ms(summary.get(key)) if isinstance(summary, dict) else "-"


def proactive_summary(functions: dict[str, Any]) -> str:
    """How many samples proactive initialization cost: re-forced cold starts (no Init Duration
    to measure) and warm invokes that landed on a new environment."""
    reforced = {key: f["cold"].get("reforced", 0) for key, f in functions.items()}
    switched = {key: f["warm"].get("newEnvironments", 0) for key, f in functions.items()}
    shown = ", ".join(f"{key} {n}" for key, n in reforced.items() if n)
    moved = ", ".join(f"{key} {n}" for key, n in switched.items() if n)
    return (
        f"Proactive initialization: {sum(reforced.values())} forced cold start(s) re-forced "
        f"(they landed on an environment initialized before the invoke, so no Init Duration)"
        f"{f': {shown}' if shown else ''}; {sum(switched.values())} warm invoke(s) on a new "
        f"environment{f': {moved}' if moved else ''}."
    )


def render(report: dict[str, Any]) -> str:
    target, settings, tests = report["target"], report["settings"], report["tests"]
    functions: dict[str, Any] = report["functions"]
    verdict = "PASSED" if report["passed"] else "FAILED"
    lines = [
        f"# Post-deploy report: {target['kind']} ({target['source']})",
        "",
        f"SDK under test: **{report['sdk']['description']}**",
        "",
        f"**{verdict}**: {tests['passed']} passed, {tests['failed']} failed, "
        f"{tests['error']} errors, {tests['skipped']} skipped; region {target['region']}; "
        f"{report['startedAt']} to {report['finishedAt']}. {settings['coldStarts']} forced cold "
        f"starts and {settings['warmInvokes']} warm invokes per function.",
        "",
    ]
    if (target.get("timeScale") or 1.0) != 1.0:
        lines += [
            f"**Emulated durations**: a runtime ran under qemu-user, {target['timeScale']:g}x "
            "slower than natively (see Notes): the durations below are not Lambda's.",
            "",
        ]
    if report["error"]:
        lines += [f"**The run stopped:** {report['error']}", ""]
    lines += ["## Cold starts (forced by a configuration change)", ""]
    lines += table(
        ["function", "arch", "memory", "init p50 ms", "init p95 ms", "duration p50 ms",
         "billed p50 ms", "SDK overhead ms", "max memory used"],
        [
            [key, f["architecture"], f"{f['memorySizeMb']} MB", _stat(f["cold"]["init"], "p50"),
             _stat(f["cold"]["init"], "p95"), _stat(f["cold"]["durationMs"], "p50"),
             _stat(f["cold"]["billedMs"], "p50"), ms(f["sdkOverheadMs"]),
             "-" if f["maxMemoryUsedMb"] is None else f"{f['maxMemoryUsedMb']} MB"]
            for key, f in functions.items()
        ],
    )  # fmt: skip
    lines += ["", "SDK overhead: the function's init p50 minus baseline's (no layer, no SDK).", ""]
    lines += [proactive_summary(functions), ""]
    lines += ["## Warm invokes", ""]
    lines += table(
        ["function", "duration p50 ms", "duration p95 ms", "billed p50 ms"],
        [
            [key, _stat(f["warm"]["durationMs"], "p50"), _stat(f["warm"]["durationMs"], "p95"),
             _stat(f["warm"]["billedMs"], "p50")]
            for key, f in functions.items()
        ],
    )  # fmt: skip
    prices = report["prices"]
    lines += ["", "## Cost per 1,000 invocations", ""]
    lines += table(
        ["function", "arch", "memory", "cold (init billed)", "warm"],
        [
            [key, f["architecture"], f"{f['memorySizeMb']} MB", _usd(f["cold"]["costPer1000Usd"]),
             _usd(f["warm"]["costPer1000Usd"])]
            for key, f in functions.items()
        ],
    )  # fmt: skip
    lines += [
        "",
        f"Mean billed duration x memory x GB-second price + request price; {prices['basis']} "
        f"as of {prices['asOf']} ({prices['source']}).",
        "",
        "## Gates: the SDK's overhead over baseline, same run",
        "",
    ]
    rows = []
    for key, f in functions.items():
        for metric, option in (("coldOverhead", "--max-cold-overhead-ms"),
                               ("warmOverhead", "--max-warm-overhead-ms")):  # fmt: skip
            if metric in f["gates"]:
                gate = f["gates"][metric]
                rows.append([key, metric, ms(gate["overheadMs"]), f"{gate['maxMs']:g} ({option})",
                             "ok" if gate["ok"] else "**FAILED**"])  # fmt: skip
    lines += table(["function", "metric", "overhead ms", "bound ms", "result"], rows)
    lines += ["", "## Targets (reported, not gated: absolute times depend on the machine)", ""]
    rows = []
    for key, f in functions.items():
        for metric, option in (("coldInitP50", "--cold-target-ms"),
                               ("warmDurationP50", "--warm-target-ms")):  # fmt: skip
            goal = f["targets"][metric]
            rows.append([key, metric, ms(goal["p50Ms"]), f"{goal['targetMs']:g} ({option})",
                         "met" if goal["met"] else "not met"])  # fmt: skip
    lines += table(["function", "metric", "p50 ms", "target ms", "result"], rows)
    lines += snapstart_run.render(
        report.get("snapStart") or {}, _init_p50(functions), _cold_cost(functions)
    )
    lines += attribution.render(functions)
    lines += _problems(report, functions)
    lines += ["", "## Notes", ""]
    spans = report["spans"]
    lines.append(f"- Spans: read back from {spans['source']}." if spans["source"]
                 else f"- Spans: {spans['skipped']}")  # fmt: skip
    if target["kind"] == "local":
        lines.append(f"- {LOCAL_NOTE}")
        lines += _runtime_notes(target.get("runtimes") or {})
    return "\n".join(lines) + "\n"


def _init_p50(functions: dict[str, Any]) -> dict[str, float | None]:
    """Each function's on-demand (`$LATEST`) Init Duration p50; the hooked variant gets its
    function's."""
    found = {key: (f["cold"]["init"] or {}).get("p50") for key, f in functions.items()}
    found[HOOKED_VARIANT] = found.get(BENCH_FUNCTION)
    return found


def _cold_cost(functions: dict[str, Any]) -> dict[str, float | None]:
    """Each function's on-demand cold cost per 1,000 (init billed); the hooked variant gets its
    function's."""
    found = {key: f["cold"].get("costPer1000Usd") for key, f in functions.items()}
    found[HOOKED_VARIANT] = found.get(BENCH_FUNCTION)
    return found


def _runtime_notes(runtimes: dict[str, Any]) -> list[str]:
    """Say which runtime ran on what: a Debian build is not AWS's, and an emulated runtime's
    durations are not Lambda's."""
    lines = []
    for name, facts in sorted(runtimes.items()):
        build = facts.get("interpreterBuild") or "this machine's installed CPython"
        line = f"- {name}: Python {facts.get('python')}, {build}"
        if facts.get("emulated"):
            line += (
                f"; emulated under qemu-user, {facts.get('timeScale')}x slower than natively "
                "(measured): its durations are emulated, not Lambda's; init budget, timeouts and "
                "overhead gates are scaled by that factor"
            )
        lines.append(line + ".")
    return lines


def _problems(report: dict[str, Any], functions: dict[str, Any]) -> list[str]:
    failures = report["tests"]["failures"]
    errors = [(key, e) for key, f in functions.items() for e in f["errors"]]
    restore = report["restoreProblems"]
    if not (failures or errors or restore):
        return []
    lines = ["", "## Failures", ""]
    for failure in failures:
        first = (failure["message"] or "").strip().splitlines()
        lines.append(f"- `{failure['test']}`: {first[0] if first else ''}")
    lines += [f"- {key}: {error}" for key, error in errors]
    lines += [f"- configuration restore: {problem}" for problem in restore]
    return lines
