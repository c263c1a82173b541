"""`python -m harness bench [--cold-starts N] [--runtime R] [--out DIR]`.

Builds what is missing (our layer is rebuilt only when its inputs changed; the seed-recipe layer
is built once), serves two stacks side by side with `python -m harness local serve` (`bench`
with our layer, `bench-seed` with `layerArtifactDir=build/layer-seed`), takes the interleaved
series, writes bench.json and bench.md, and prints the markdown. Exit 1 if a series could not
be measured; the goal (ours <= GOAL_RATIO x seed, in series.py) is reported, not enforced.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.bench import imports, output, series
from harness.errors import HarnessError
from harness.local.host import host_architecture
from harness.postdeploy.client import lambda_client
from harness.postdeploy.local_target import local_serve
from harness.postdeploy.target import Target, parse_outputs
from harness.progress import reporter
from infra.errors import EXIT_CANNOT_RUN, EXIT_OK
from infra.spec import BASELINE, BENCH_FUNCTION, DEFAULT_RUNTIME, REPO_ROOT
from layer.build import DEFAULT_OUT, build
from layer.errors import LayerError
from layer.targets import RUNTIMES, LayerTarget

STACKS = {"ours": "bench", "seed": "bench-seed"}


progress = reporter("bench")


def _layers(runtime: str, arch: str) -> dict[str, dict[str, Any]]:
    """Our layer (rebuilt only when its inputs changed) and the seed recipe's (built if missing);
    what their manifests say about them."""
    target = LayerTarget(runtime, arch)
    progress(f"our layer for {target.name}")
    manifests = {"ours": build(target).manifest}
    seed_manifest = DEFAULT_OUT["seed"] / target.name / "manifest.json"
    if seed_manifest.is_file():
        manifests["seed"] = json.loads(seed_manifest.read_text())
    else:
        progress(f"building the seed-recipe layer for {target.name} (once)")
        manifests["seed"] = build(target, recipe="seed").manifest
    keep = ("recipe", "bytecode", "sha256", "zippedBytes", "unzippedBytes")
    return {label: {k: m.get(k) for k in keep} for label, m in manifests.items()}


def run(cold_starts: int, runtime: str, out: Path) -> int:
    arch = host_architecture()
    layers = _layers(runtime, arch)
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    common = [f"runtime={runtime}", f"architecture={arch}"]
    overrides = {"ours": common, "seed": [*common, "layerArtifactDir=build/layer-seed"]}
    with ExitStack() as stack:
        targets: dict[str, Target] = {}
        for label, name in STACKS.items():
            progress(f"serving stack {name} ({label} layer)")
            files = (out / "serve" / f"{name}.json", out / "serve" / f"{name}.log")
            outputs = stack.enter_context(local_serve(name, *files, overrides[label]))
            targets[label] = parse_outputs(outputs, f"stack {name}")
        subjects = [
            _subject("ours", targets["ours"], BENCH_FUNCTION),
            _subject("seed", targets["seed"], BENCH_FUNCTION),
            _subject("baseline", targets["ours"], BASELINE),
        ]
        measured = series.interleaved(subjects, cold_starts, progress)
    by_label = {one.subject.label: one for one in measured}
    document = {
        "schema": 1,
        "runtime": runtime,
        "architecture": arch,
        "coldStarts": cold_starts,
        "startedAt": started,
        "finishedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "layers": layers,
        "series": {label: one.as_json() for label, one in by_label.items()},
        "comparison": series.comparison(by_label["ours"], by_label["seed"], by_label["baseline"]),
    }
    json_path, md_path, markdown = output.write(document, out)
    print(markdown)
    progress(f"wrote {md_path} and {json_path}")
    return 1 if any(not one.init_ms for one in measured) else 0


def _subject(label: str, target: Target, function: str) -> series.Subject:
    name = target.functions[function].name
    return series.Subject(label, function, name, lambda_client(target))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness bench",
        description="Cold init p50 of working_sdk_test with our layer vs the seed recipe's, and "
        "of baseline, on the local runtime, interleaved in one run.",
    )
    parser.add_argument("--cold-starts", type=int, default=10, help="per series (default 10)")
    parser.add_argument("--runtime", choices=RUNTIMES, default=DEFAULT_RUNTIME)
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "build" / "bench", help="default build/bench"
    )
    parser.add_argument(
        "--imports",
        action="store_true",
        help="instead: the SDK's import time from our layer vs the seed recipe's, in fresh "
        "interpreters (--runs each), written to OUT/layer-import.json",
    )
    parser.add_argument("--runs", type=int, default=7, help="with --imports: runs per layer")
    args = parser.parse_args(argv)
    if args.cold_starts < 1:
        parser.error(f"--cold-starts must be at least 1, got {args.cold_starts}")
    if args.runs < 5:
        parser.error(f"--runs {args.runs}: use at least 5 so the median means something")
    try:
        if args.imports:
            imports.run([args.runtime], args.runs, None, None, args.out / "layer-import.json")
            return EXIT_OK
        return run(args.cold_starts, args.runtime, args.out)
    except (HarnessError, LayerError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
