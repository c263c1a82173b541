"""build/bench/bench.json (every sample) and bench.md (the medians and ratios people read)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.postdeploy.markdown import table


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def _layer(layer: dict[str, Any] | None) -> str:
    if not layer:
        return "none"
    code = "bytecode" if layer.get("bytecode") else "no bytecode"
    return (
        f"{layer.get('recipe')} recipe, {code}, {layer.get('zippedBytes', 0) / 1e6:.1f} MB zipped"
        f" / {layer.get('unzippedBytes', 0) / 1e6:.1f} MB unzipped"
    )


def render(document: dict[str, Any]) -> str:
    series, compared = document["series"], document["comparison"]
    rows = []
    for label, one in series.items():
        init, imports = one["init"] or {}, one["sdkImport"] or {}
        layer = _layer(document["layers"].get(label))
        rows.append([
            label, one["function"], layer, str(init.get("count", 0)), _ms(init.get("p50")),
            _ms(init.get("p95")), _ms(init.get("min")), _ms(init.get("max")),
            _ms(imports.get("p50")),
        ])  # fmt: skip
    goal = compared["goal"]
    ratio = compared["oursOverSeed"]
    lines = [
        f"# Cold-start benchmark: local runtime, {document['runtime']} {document['architecture']}",
        "",
        f"{document['coldStarts']} forced cold starts per series, interleaved (ours, seed, "
        f"baseline, ours, ...) in one run; {document['startedAt']} to {document['finishedAt']}.",
        "",
    ]
    lines += table(
        ["series", "function", "layer", "samples", "init p50 ms", "init p95 ms", "min ms",
         "max ms", "SDK import p50 ms"],
        rows,
    )  # fmt: skip
    lines += ["", "| comparison (init p50) | value |", "|---|---|"]
    lines += [
        f"| ours / seed | {'-' if ratio is None else f'{ratio:.3f}'} |",
        f"| ours - baseline | {_ms(compared['oursMinusBaselineMs'])} ms |",
        f"| seed - baseline | {_ms(compared['seedMinusBaselineMs'])} ms |",
        "",
        f"Goal: ours <= {goal['maxOursOverSeed']} x seed: "
        f"**{'met' if goal['met'] else 'MISSED'}**.",
    ]
    errors = [error for one in series.values() for error in one["errors"]]
    if errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in errors]
    return "\n".join(lines) + "\n"


def write(document: dict[str, Any], directory: Path) -> tuple[Path, Path, str]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "bench.json", directory / "bench.md"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    markdown = render(document)
    md_path.write_text(markdown)
    return json_path, md_path, markdown
