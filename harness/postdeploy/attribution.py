"""Where the time goes, per SDK function: the profiled cold start's imports and one warm
invocation's profile, as report.json records them and report.md shows them."""

from __future__ import annotations

from typing import Any

from harness.postdeploy import importtime
from harness.postdeploy.blocks import mermaid_pie, ms, table
from harness.postdeploy.measure import FunctionRun
from infra.spec import BENCH_FUNCTION, IMPORT_PROFILE_ENV

PACKAGES_SHOWN = 8
"""Slices of the import-time chart; the other packages are summed into one."""
WARM_ROWS = 10


def function_attribution(run: FunctionRun) -> dict[str, Any] | None:
    """None for a function without the SDK; missing parts are None (the run's errors say why)."""
    if not run.output.sdk:
        return None
    imports = run.import_profile
    return {
        "imports": imports.as_json() if imports else None,
        "importsByPackageMs": (
            {k: round(v, 3) for k, v in importtime.by_package(imports).items()} if imports else None
        ),
        "warm": run.warm_profile,
        "warmError": run.warm_profile_error,
    }


def _pie_slices(by_package: dict[str, float]) -> list[tuple[str, float]]:
    ordered = list(by_package.items())
    shown = ordered[:PACKAGES_SHOWN]
    rest = sum(value for _, value in ordered[PACKAGES_SHOWN:])
    return shown + ([("other packages", rest)] if rest > 0 else [])


def _imports(key: str, attribution: dict[str, Any]) -> list[str]:
    imports = attribution.get("imports")
    if not imports:
        return [f"- {key}: no import profile (see Failures)"]
    lines = [
        "<details>",
        f"<summary>{key}: SDK import {ms(imports['sdkTotalMs'])} ms, "
        f"{imports['modules']} modules imported at cold start</summary>",
        "",
    ]
    lines += table(
        ["module", "cumulative ms", "own ms"],
        [[f"`{m['module']}`", ms(m["cumulativeMs"]), ms(m["selfMs"])] for m in imports["top"]],
    )
    return [*lines, "", "</details>"]


def _warm(key: str, attribution: dict[str, Any]) -> list[str]:
    warm, error = attribution.get("warm"), attribution.get("warmError")
    if error:
        return [f"- {key}: no warm profile, the handler could not summarise it: {error}"]
    if not isinstance(warm, dict):
        return [f"- {key}: no warm profile (see Failures)"]
    lines = [
        "<details>",
        f"<summary>{key}: {ms(warm.get('totalMs'))} ms profiled warm invocation</summary>",
        "",
        "Top SDK functions by cumulative time:",
        "",
    ]
    rows = warm.get("sdkFunctions") or []
    lines += table(
        ["function", "calls", "cumulative ms", "own ms"],
        [[f"`{r['function']}`", str(r["calls"]), ms(r["cumulativeMs"]), ms(r["ownMs"])]
         for r in rows[:WARM_ROWS]],
    )  # fmt: skip
    lines += ["", "Where it bottoms out (own time, any package):", ""]
    lines += table(
        ["function", "calls", "own ms"],
        [[f"`{r['function']}`", str(r["calls"]), ms(r["ownMs"])]
         for r in (warm.get("ownTime") or [])[:WARM_ROWS]],
    )  # fmt: skip
    return [*lines, "", "</details>"]


def render(functions: dict[str, Any]) -> list[str]:
    """report.md's section; `functions` are the report's, with their `attribution`."""
    attributed = {k: f["attribution"] for k, f in functions.items() if f.get("attribution")}
    if not attributed:
        return []
    lines = [
        "",
        "## Where the time goes",
        "",
        f"One extra forced cold start per SDK function with `{IMPORT_PROFILE_ENV}=1` (its "
        "`import time:` lines, read back from the function's log), then one warm invoke under "
        "cProfile (slower than unprofiled; the flush's helper thread shows as the wait). The "
        "warm invoke runs in that same environment, so a module it imports lazily is also "
        "slowed by the import-time profiling.",
        "",
    ]
    chart = attributed.get(BENCH_FUNCTION, {}).get("importsByPackageMs")
    if chart:
        lines += mermaid_pie(
            f"{BENCH_FUNCTION}: cold-start import time by package (own ms)", _pie_slices(chart)
        )
        lines.append("")
    lines += ["### Cold start: imports", ""]
    for key, attribution in attributed.items():
        lines += [*_imports(key, attribution), ""]
    lines += ["### Warm invocation", ""]
    for key, attribution in attributed.items():
        lines += [*_warm(key, attribution), ""]
    return lines
