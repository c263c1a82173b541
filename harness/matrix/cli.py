"""`python -m harness matrix`: `make local` for every offered runtime x architecture this
machine can run (natively, or under qemu-user), the static checks for the others, one table.

Each run is `make local RUNTIME=R ARCH=A` itself (one definition of what a local run is), its
report in OUT/<runtime>-<arch>/. Writes OUT/matrix.md and matrix.json (OUT: build/matrix) and
prints the table; exits 1 when a combination failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from harness.matrix.table import Row, as_json, from_report, layer_size, render
from infra.errors import EXIT_FAILED, EXIT_OK
from infra.spec import ARCHITECTURES, REPO_ROOT, SUPPORTED_RUNTIMES
from infra.stack_config import stack_settings
from layer.import_check import runnable
from layer.targets import LayerTarget

OUT = REPO_ROOT / "build" / "matrix"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m harness matrix",
        description="The local suite over every offered runtime x architecture, in one table "
        "(build/matrix/matrix.md). The other architecture runs under qemu-user (slow: about "
        "15 min per runtime); python3.12 on arm64 gets the layer's static checks only.",
    )
    parser.add_argument("--stack", default="ci", help="the stack to run (default ci)")
    parser.add_argument("--sdk", default="", metavar="SPEC", help="the SDK under test (as SDK=)")
    parser.add_argument("--runtime", action="append", choices=SUPPORTED_RUNTIMES,
                        help="repeatable (default: every offered runtime)")  # fmt: skip
    parser.add_argument("--arch", action="append", choices=ARCHITECTURES,
                        help="repeatable (default: both)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT, help=f"default {OUT}")
    return parser.parse_args(argv)


def _run(command: list[str], log: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"matrix: {' '.join(command)} (log: {log})", file=sys.stderr, flush=True)
    with log.open("w") as out:
        result = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT, check=False
        )
    return result.returncode


def run_one(target: LayerTarget, args: argparse.Namespace, layer_dir: Path) -> Row:
    directory = args.out / target.name
    log = directory / "run.log"
    (directory / "report.json").unlink(missing_ok=True)
    if not runnable(target):
        sdk = ["--set", f"sdk={args.sdk}"] if args.sdk else []
        code = _run(
            [sys.executable, "-m", "layer", "--stack", args.stack, "--set",
             f"runtime={target.runtime}", "--set", f"architecture={target.arch}", *sdk],
            log,
        )  # fmt: skip
        return Row(target.name, "static", code == 0, "-", None, None, None,
                   layer_size(layer_dir), str(log))  # fmt: skip
    _run(
        ["make", "--no-print-directory", "local", f"STACK={args.stack}", f"SDK={args.sdk}",
         f"RUNTIME={target.runtime}", f"ARCH={target.arch}",
         f"PYTEST_ARGS=--report-dir {directory}"],
        log,
    )  # fmt: skip
    return from_report(target.name, directory, layer_dir, log)


def main(argv: list[str]) -> int:
    args = parse(argv)
    layers = stack_settings(args.stack).layer_artifact_dir
    rows = [
        run_one(LayerTarget(runtime, arch), args, layers / f"{runtime}-{arch}")
        for runtime in args.runtime or SUPPORTED_RUNTIMES
        for arch in args.arch or ARCHITECTURES
    ]
    table = render(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matrix.md").write_text(table)
    (args.out / "matrix.json").write_text(json.dumps(as_json(rows), indent=2) + "\n")
    print(table)
    return EXIT_OK if all(row.passed for row in rows) else EXIT_FAILED
