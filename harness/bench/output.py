"""build/bench/bench.json (every sample) and bench.md (what people read: the two SDKs, the
verdict, the medians, where the import time moved)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.bench import count_output, snapstart_output
from harness.postdeploy.blocks import mermaid_bars, ms, table
from harness.postdeploy.report import SUMMARY_VARIABLE

SIDES = ("head", "base", "baseline")


def _layer(layer: dict[str, Any] | None) -> str:
    if not layer:
        return "-"
    code = "bytecode" if layer.get("bytecode") else "no bytecode"
    return (
        f"{layer.get('recipe')} recipe, {code}, {layer.get('zippedBytes', 0) / 1e6:.1f} MB zipped"
        f" / {layer.get('unzippedBytes', 0) / 1e6:.1f} MB unzipped"
    )


def _delta(value: Any) -> str:
    return "-" if value is None else f"{value:+.1f}"


def _headline(document: dict[str, Any]) -> list[str]:
    sdks, compared = document["sdks"], document.get("comparison")
    lines = [
        f"# SDK cold-start benchmark: {document['target']['kind']}, {document['runtime']} "
        f"{document['architecture']}",
        "",
        f"Head: **{sdks['head']}** · Base: **{sdks['base']}**",
        "",
        *count_output.headline(document.get("count")),
    ]
    if compared is None:
        return [*lines, "Wall time: **not measured** (`--count-only`).", ""]
    if compared.get("verdict") is None:
        return [*lines, f"Wall-time verdict: **not measured**: {compared.get('reason')}", ""]
    low, high = compared["confidenceInterval"]
    lines += [
        f"Wall-time verdict: **{compared['verdict']}**: head/base "
        f"{compared['headOverBase']:.3f} of the cold inits' {compared['statistic']}, "
        f"{compared['confidenceLevel']:.0%} CI "
        f"[{low:.3f}, {high:.3f}] "
        f"({compared['method']} bootstrap); tolerance {compared['tolerance']:.0%}.",
        "",
    ]
    if not compared.get("conclusive", True):
        tolerance = compared["tolerance"]
        lines += [
            f"Inconclusive: after {document['coldStarts']} cold starts per side the interval "
            f"still crosses {1 - tolerance:.2f} or {1 + tolerance:.2f}; a difference within "
            "it cannot be told from this machine's noise (raise `--max-cold-starts`).",
            "",
        ]
    return lines


def _series_table(document: dict[str, Any]) -> list[str]:
    series, layers = document["series"], document.get("layers") or {}
    rows = []
    for label in SIDES:
        one = series.get(label)
        if one is None:
            continue
        init, imports = one["init"] or {}, one["imports"] or {}
        rows.append([
            label, one["function"], one["sdkVersion"] or "-", _layer(layers.get(label)),
            str(init.get("count", 0)), ms(init.get("p50")), ms(init.get("p95")),
            ms(imports.get("sdkTotalMs")),
        ])  # fmt: skip
    return table(
        ["side", "function", "SDK", "layer", "samples", "init p50 ms", "init p95 ms",
         "SDK import ms (profiled)"],
        rows,
    )  # fmt: skip


def _import_diff(document: dict[str, Any]) -> list[str]:
    diff = document.get("importDiff")
    if not diff:
        return []
    lines = [
        "",
        "## Where the import time moved (head minus base)",
        "",
        f"SDK import total: {_delta(diff['sdkTotalDeltaMs'])} ms. Modules ranked by the change "
        "in their own import time (a module that got slower also adds to every importer's "
        "cumulative time); medians of each side's profiled cold starts.",
        "",
    ]
    lines += table(
        ["module", "own ms", "cumulative ms", ""],
        [
            [f"`{m['module']}`", _delta(m["selfDeltaMs"]), _delta(m["cumulativeDeltaMs"]),
             m["status"] if m["status"] != "changed" else ""]
            for m in diff["modules"]
        ],
    )  # fmt: skip
    return lines


def _extended(document: dict[str, Any]) -> str:
    """How the number of rounds came about, when it was not fixed."""
    first, most = document.get("coldStartsPlanned") or (document["coldStarts"],) * 2
    if first == most:
        return ""
    if document["coldStarts"] == first:
        return f" (the verdict was conclusive after the first {first})"
    return f" ({first}, then more until the verdict was conclusive, at most {most})"


def render(document: dict[str, Any]) -> str:
    if "snapStart" in document:
        return snapstart_output.render(document)
    lines = _headline(document)
    if "comparison" not in document:
        return "\n".join([*lines, *count_output.details(document.get("count"))]) + "\n"
    series, compared = document["series"], document["comparison"]
    lines += [
        f"{document['coldStarts']} forced cold starts per side{_extended(document)}, "
        "interleaved (head, base, baseline, then base, head, baseline, ...), plus "
        f"{document['importProfiles']} profiled cold starts per SDK; {document['startedAt']} to "
        f"{document['finishedAt']}.",
        "",
    ]
    lines += _series_table(document)
    medians = compared["medianInitMs"]
    bars = [(label, medians[label]) for label in SIDES if medians.get(label) is not None]
    if bars:
        lines += ["", *mermaid_bars("Cold init p50 (ms)", bars)]
    lines += [
        "",
        "| comparison (init p50) | value |",
        "|---|---|",
        f"| head - base | {_delta(compared['headMinusBaseMs'])} ms |",
        f"| head - baseline | {_delta(compared['headMinusBaselineMs'])} ms |",
        f"| base - baseline | {_delta(compared['baseMinusBaselineMs'])} ms |",
    ]
    goal = document.get("seedGoal")
    if goal:
        lines += [
            "",
            f"Goal with the seed recipe as base: head <= {goal['maxHeadOverSeed']} x seed: "
            f"**{'met' if goal['met'] else 'MISSED'}**.",
        ]
    lines += count_output.details(document.get("count"))
    lines += _import_diff(document)
    errors = [error for one in series.values() for error in one["errors"]]
    if errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in errors]
    return "\n".join(lines) + "\n"


def write(
    document: dict[str, Any], directory: Path, environ: Mapping[str, str] | None = None
) -> tuple[Path, Path, str]:
    """bench.json and bench.md; the markdown also to the job summary when
    `$GITHUB_STEP_SUMMARY` is set."""
    environ = os.environ if environ is None else environ
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "bench.json", directory / "bench.md"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    markdown = render(document)
    md_path.write_text(markdown)
    summary = environ.get(SUMMARY_VARIABLE)
    if summary:
        with Path(summary).open("a") as sink:
            sink.write(markdown + "\n")
    return json_path, md_path, markdown
