"""`python -m layer`: build the SDK layer for each runtime x arch (see layer/README.md)."""

from __future__ import annotations

import argparse
import itertools
import platform
import sys
from pathlib import Path

from harness.stack_config import parse_overrides
from harness.stack_settings import stack_settings
from layer import bench
from layer.build import build
from layer.targets import ARCHES, RECIPES, RUNTIMES, Target


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m layer",
        description="Build build/layer/<runtime>-<arch>/layer.zip and manifest.json; an "
        "unchanged build is reused. Each --runtime is built for each --arch.",
    )
    add = parser.add_argument
    add("--stack", help="build what this stack uses (its runtimes, architecture, artefact dir)")
    add(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --stack: override a config value, as `python -m harness render` does",
    )
    add("--runtime", action="append", choices=RUNTIMES, help="repeatable; default python3.11")
    add("--arch", action="append", choices=list(ARCHES), help="repeatable; default x86_64")
    add("--out", type=Path, help="artefact root (default build/layer or build/layer-seed)")
    add("--recipe", choices=RECIPES, default="lambda", help="seed: for benchmarks only")
    add("--no-bytecode", action="store_true", help="skip bytecode (slower cold starts)")
    add("--report", action="store_true", help="then compare import times with the seed recipe")
    args = parser.parse_args(argv)
    if args.report and args.recipe == "seed":
        parser.error("--report compares our recipe with the seed's; drop --recipe seed")
    if args.stack and (args.runtime or args.arch):
        parser.error("--stack takes the runtimes and architecture from the stack's config")
    if args.overrides and not args.stack:
        parser.error("--set needs --stack")
    return args


def _stack_targets(args: argparse.Namespace) -> tuple[list[str], list[str], Path | None]:
    """Runtimes, architectures and artefact root of a stack: what its program will look for."""
    settings = stack_settings(args.stack, overrides=parse_overrides(args.overrides))
    out = args.out or (settings.layer_artifact_dir if args.recipe == "lambda" else None)
    return list(settings.layer_runtimes), [settings.architecture], out


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        if args.stack:
            runtimes, arches, args.out = _stack_targets(args)
        else:
            runtimes = sorted(set(args.runtime or ["python3.11"]))
            arches = sorted(set(args.arch or ["x86_64"]))
        if not runtimes:
            print(
                "python -m layer: this stack uses no SDK layer; nothing to build", file=sys.stderr
            )
        for runtime, arch in itertools.product(runtimes, arches):
            built = build(
                Target(runtime, arch),
                out=args.out,
                recipe=args.recipe,
                compiled=not args.no_bytecode,
            )
            m = built.manifest
            print(
                f"{built.archive}  sha256={m['sha256']}  zipped={m['zippedBytes']}  "
                f"unzipped={m['unzippedBytes']}  bytecode={m['bytecode']}"
                + ("  (reused)" if built.reused else "")
            )
        if args.report:
            if not any(ARCHES[arch] == platform.machine() for arch in arches):
                raise ValueError(
                    f"--report runs the layers here, so it needs a build for this host's "
                    f"architecture ({platform.machine()}); add --arch for it"
                )
            bench.run(runtimes, 7, args.out, None, bench.DEFAULT_JSON)
    # Our errors, SettingsError and ConfigFileError included, carry the bad value and the fix.
    except (RuntimeError, ValueError) as exc:
        print(f"python -m layer: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
