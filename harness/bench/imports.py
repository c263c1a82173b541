"""Import time of the SDK from our layer against the seed recipe's (`harness bench --imports`).

Both layers hold the same pinned packages; only the recipe differs (bytecode, metadata,
platform). Each sample is a fresh `python3.X -I -S -B` process importing the SDK modules from
an unpacked layer (`-B` as on Lambda, whose /opt is read-only: a layer without bytecode
recompiles on every cold start). Runs alternate ours/seed so load on the machine hits both
alike; one discarded run each first warms the page cache for both.
"""

from __future__ import annotations

import json
import platform
import statistics
import tempfile
from pathlib import Path
from typing import Any

from harness.bench.series import GOAL_RATIO
from infra.spec import REPO_ROOT
from layer import archive
from layer.build import build, say
from layer.provider import interpreter_for
from layer.targets import ARCHES, LayerTarget
from layer.verify import SDK_MODULES, run_probe

DEFAULT_JSON = REPO_ROOT / "build" / "bench" / "layer-import.json"


def _summary(samples: list[float]) -> dict[str, Any]:
    return {
        "medianMs": round(statistics.median(samples) * 1000, 1),
        "minMs": round(min(samples) * 1000, 1),
        "maxMs": round(max(samples) * 1000, 1),
        "samplesMs": [round(s * 1000, 1) for s in samples],
    }


def compare(
    runtime: str, runs: int, ours_out: Path | None, seed_out: Path | None
) -> dict[str, Any]:
    """Build (or reuse) both layers for the host's architecture and time the imports."""
    arch = next(name for name, machine in ARCHES.items() if machine == platform.machine())
    target = LayerTarget(runtime, arch)
    python = interpreter_for(target.python_version, arch)
    ours = build(target, out=ours_out, recipe="lambda")
    seed = build(target, out=seed_out, recipe="seed")
    samples: dict[str, list[float]] = {"ours": [], "seed": []}
    with tempfile.TemporaryDirectory(prefix="layer-bench-") as tmp:
        roots = {"ours": Path(tmp, "ours"), "seed": Path(tmp, "seed")}
        archive.unpack(ours.archive, roots["ours"])
        archive.unpack(seed.archive, roots["seed"])
        for root in roots.values():  # warm-up, discarded
            run_probe(python.path, root, target, audit=False)
        for i in range(runs):
            for name, root in roots.items():
                seconds = run_probe(python.path, root, target, audit=False)["importSeconds"]
                samples[name].append(seconds)
            say(f"bench {runtime}: run {i + 1}/{runs}")
    result = {
        "runtime": runtime, "arch": arch, "interpreter": python.version, "runs": runs,
        "modules": list(SDK_MODULES), "ours": _summary(samples["ours"]),
        "seed": _summary(samples["seed"]),
        "oursSha256": ours.manifest["sha256"], "seedSha256": seed.manifest["sha256"],
    }  # fmt: skip
    result["ratio"] = round(result["ours"]["medianMs"] / result["seed"]["medianMs"], 3)
    return result


def run(
    runtimes: list[str], runs: int, ours_out: Path | None, seed_out: Path | None, json_path: Path
) -> list[dict[str, Any]]:
    """Compare each runtime, print the medians and ratios, write them to json_path."""
    results = [compare(runtime, runs, ours_out, seed_out) for runtime in runtimes]
    print(f"import {', '.join(SDK_MODULES)}: median of {runs} fresh processes each")
    for r in results:
        print(
            f"  {r['runtime']}-{r['arch']} (Python {r['interpreter']}): ours "
            f"{r['ours']['medianMs']} ms, seed recipe {r['seed']['medianMs']} ms, "
            f"ratio {r['ratio']} (goal <= {GOAL_RATIO})"
        )
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"  written to {json_path}")
    return results
