"""`python -m layer`: build the SDK layer for each runtime x arch (see docs/layer.md)."""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, InfraError
from infra.sdk import SdkSpec, parse_sdk_spec
from infra.spec import DEFAULT_ARCHITECTURE, DEFAULT_RUNTIME, LAYER_ZIP
from infra.stack_config import add_set_argument, parse_overrides, stack_settings
from layer import import_check, static_checks
from layer.build import Built, build
from layer.errors import LayerError, LayerTooLarge
from layer.manifest import read_manifest
from layer.static_checks import LayerCheckFailed
from layer.targets import ARCHES, RECIPES, RUNTIMES, LayerTarget
from layer.verify import ProbeFailed


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m layer",
        description="Build build/layer/<runtime>-<arch>/layer.zip and manifest.json; an "
        "unchanged build is reused. Each --runtime is built for each --arch.",
    )
    add = parser.add_argument
    add("--stack", help="build what this stack uses (its runtimes, architecture, artefact dir)")
    add_set_argument(
        parser, help="with --stack: override a config value, as `python -m harness render` does"
    )
    add(
        "--runtime",
        action="append",
        choices=RUNTIMES,
        help=f"repeatable; default {DEFAULT_RUNTIME}",
    )
    add(
        "--arch",
        action="append",
        choices=list(ARCHES),
        help=f"repeatable; default {DEFAULT_ARCHITECTURE}",
    )
    add(
        "--sdk",
        metavar="SPEC",
        help="the SDK to put in the layer: a requirement (honeyhive==1.6.1), a wheel file or a "
        "source tree (default: the locked release); with --stack, use --set sdk=SPEC",
    )
    add("--out", type=Path, help="artefact root (default build/layer or build/layer-seed)")
    add("--recipe", choices=RECIPES, default="lambda", help="seed: for benchmarks only")
    add("--no-bytecode", action="store_true", help="skip bytecode (slower cold starts)")
    add(
        "--no-import-check",
        action="store_true",
        help="skip importing each layer on its runtime and machine (the static checks still run)",
    )
    args = parser.parse_args(argv)
    if args.stack and (args.runtime or args.arch):
        parser.error("--stack takes the runtimes and architecture from the stack's config")
    if args.overrides and not args.stack:
        parser.error("--set needs --stack")
    if args.stack and args.sdk is not None:
        parser.error("--stack takes the SDK from the stack's config: use --set sdk=SPEC")
    return args


@dataclass(frozen=True)
class Job:
    """One layer to build: a target, where its artefact goes, and the SDK it holds."""

    target: LayerTarget
    out: Path | None
    sdk: SdkSpec


def _stack_jobs(args: argparse.Namespace) -> list[Job]:
    """What a stack's program looks for: a layer per runtime its SDK functions use, and with
    `baseSdk` the base SDK's layer for the benchmark's base function."""
    settings = stack_settings(args.stack, overrides=parse_overrides(args.overrides))
    out = args.out or (settings.layer_artifact_dir if args.recipe == "lambda" else None)
    arch = settings.architecture
    jobs = [Job(LayerTarget(rt, arch), out, settings.sdk) for rt in settings.layer_runtimes]
    if settings.base_sdk is not None and args.recipe == "lambda":
        target = LayerTarget(settings.base_runtime, arch)
        jobs.append(Job(target, settings.base_layer_artifact_dir, settings.base_sdk))
    return jobs


def _jobs(args: argparse.Namespace) -> list[Job]:
    if args.stack:
        return _stack_jobs(args)
    sdk = parse_sdk_spec(args.sdk or "")
    runtimes = sorted(set(args.runtime or [DEFAULT_RUNTIME]))
    arches = sorted(set(args.arch or [DEFAULT_ARCHITECTURE]))
    return [
        Job(LayerTarget(runtime, arch), args.out, sdk)
        for runtime, arch in itertools.product(runtimes, arches)
    ]


def check(job: Job, built: Built, *, imports: bool) -> None:
    """The static checks, then (unless skipped) the import on the layer's own runtime and
    machine, where an interpreter of it can run here."""
    static_checks.check(built.archive, job.target)
    if not imports:
        return
    if not import_check.runnable(job.target):
        say(
            f"layer {job.target.name}: static checks only (no CPython "
            f"{job.target.python_version} for {job.target.arch} can run on this machine)"
        )
        return
    checked = import_check.check_imports(built.archive, job.target)
    emulated = ", emulated under qemu: not Lambda's time" if checked.emulated else ""
    say(
        f"layer {job.target.name}: import check passed ({len(checked.modules)} modules on "
        f"Python {checked.python} in {checked.seconds:.1f} s{emulated})"
    )


def check_agreement(done: list[Built]) -> None:
    """Layers of one SDK and architecture for two runtimes hold the same pure-Python files:
    each layer built (or reused) now against every other runtime's layer beside it that holds
    the same SDK and the same package versions (built now or before)."""
    seen: set[frozenset[Path]] = set()
    for built in done:
        arch = built.manifest["arch"]
        for directory in sorted(built.directory.parent.glob(f"python3.*-{arch}")):
            pair = frozenset((built.directory.resolve(), directory.resolve()))
            other = read_manifest(directory)
            if len(pair) == 1 or pair in seen or other is None or not _same_sdk(built, other):
                continue
            seen.add(pair)
            differ = static_checks.pure_python_disagreements(built.archive, directory / LAYER_ZIP)
            if differ:
                more = f" and {len(differ) - 10} more" if len(differ) > 10 else ""
                raise LayerCheckFailed(
                    f"the {built.directory.name} and {directory.name} layers of one SDK hold "
                    f"different pure-Python files: {', '.join(differ[:10])}{more}. Fix: rebuild "
                    "both (`make layer`); if they still differ, pin one version of each package "
                    "for every runtime (layer/requirements.in)"
                )


def _same_sdk(built: Built, other: dict[str, Any]) -> bool:
    mine = built.manifest
    return bool(
        other.get("recipe") == mine["recipe"]
        and other.get("sdk") == mine["sdk"]
        and other.get("packages") == mine["packages"]
    )


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        jobs = _jobs(args)
        if not jobs:
            print(
                "python -m layer: this stack uses no SDK layer; nothing to build", file=sys.stderr
            )
        done: list[Built] = []
        for job in jobs:
            built = build(
                job.target,
                out=job.out,
                recipe=args.recipe,
                compiled=not args.no_bytecode,
                sdk=job.sdk,
            )
            if args.recipe == "lambda":
                check(job, built, imports=not args.no_import_check)
                done.append(built)
            m = built.manifest
            print(
                f"{built.archive}  sha256={m['sha256']}  zipped={m['zippedBytes']}  "
                f"unzipped={m['unzippedBytes']}  bytecode={m['bytecode']}  "
                f"sdk={m['sdk']['name']} {m['sdk']['version']} ({m['sdk']['kind']})"
                + ("  (reused)" if built.reused else "")
            )
        check_agreement(done)
    # Built, but Lambda would refuse it or it would not work there: the gate failed.
    except (LayerTooLarge, LayerCheckFailed, ProbeFailed) as exc:
        print(f"python -m layer: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    # SettingsError and ConfigFileError (from --stack) carry the bad value and the fix too.
    except (LayerError, InfraError) as exc:
        print(f"python -m layer: error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return 0


if __name__ == "__main__":
    sys.exit(main())
