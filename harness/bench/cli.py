"""`python -m harness bench`: one SDK against another, by instruction counts and by cold starts.

Local (the default): builds the head and base layers (reused when unchanged); counts both
sides' instructions and runs the guards (counting.py, gate.py: the instruction gate, unless
`--no-count`); then, unless `--count-only`, serves one stack with the head SDK as `sdk` and the
base SDK as `baseSdk` on the local runtime and measures its cold starts. AWS: `--deployed STACK`
(or `--outputs FILE`) measures the cold starts of a stack deployed with `baseSdk` (no count).
Writes bench.json and bench.md and prints the markdown. `--snapstart` compares one SDK instead:
`$LATEST` on demand against its SnapStart alias, locally or `--deployed` (snapstart.py).

Exit 0 with verdicts (1 with `--fail-on-regression` when the instruction gate or the wall time
says `regression`), 1 when a sample, profile or count failed or a verdict is missing, 2 when the
benchmark could not run (valgrind missing included). `--imports` keeps the layer recipe's
import-time comparison (harness/bench/imports.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from harness.bench import cachegrind, counting, gate, imports, output, run, series, snapstart
from harness.bench.compare import DEFAULT_TOLERANCE, MIN_SAMPLES
from harness.bench.errors import BenchError
from harness.bench.sides import SEED, given_layer, side
from harness.errors import HarnessError
from harness.local.host import host_architecture
from harness.postdeploy.local_target import local_serve
from harness.postdeploy.target import Target, from_outputs_file, from_stack, parse_outputs
from harness.progress import reporter
from infra.errors import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, InfraError
from infra.settings import StackSettings
from infra.spec import BENCH_FUNCTION, DEFAULT_RUNTIME, REPO_ROOT, SDK_FUNCTIONS
from infra.stack import sdk_environment
from infra.stack_config import add_set_argument, parse_overrides, stack_settings
from layer.errors import LayerError
from layer.interpreters import find_interpreter
from layer.targets import RUNTIMES, LayerTarget

if TYPE_CHECKING:
    import pulumi

BENCH_STACK = "bench"
DEFAULT_COUNT_ROUNDS = 2
PLACEHOLDER_KEY = "hh-bench-placeholder-key"
DEFAULT_MAX_COLD_STARTS = 40
progress = reporter("bench")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness bench",
        description="Cold init of working_sdk_test with the head SDK against the base SDK (and "
        "baseline), interleaved in one run: head/base with a 95% confidence interval and a "
        "verdict, and where the import time moved.",
    )
    add = parser.add_argument
    add(
        "--base",
        default="",
        metavar="SPEC",
        help="the SDK to compare against: a SPEC (docs/sdk-under-test.md), `locked` (the "
        "default: the locked release) or `seed` (the locked release by the seed recipe)",
    )
    add("--head", default=None, metavar="SPEC", help="the SDK under test (default: --stack's sdk)")
    add(
        "--stack",
        default="ci",
        help="the config to start from (default ci): its sdk is the default head, its baseSdk "
        "the default base, its runtime the default --runtime, its other values (functionRuntimes, "
        "logFormat, flushTimeoutMs, ...) those of the served functions",
    )
    add_set_argument(
        parser,
        help="override a config value of --stack, e.g. logFormat=JSON (a stack setting: memory "
        "and timeout are the functions' own, infra/spec.py)",
    )
    add(
        "--deployed",
        metavar="STACK",
        help="measure this deployed stack (`pulumi stack output`), which has baseSdk set",
    )
    add("--outputs", type=Path, metavar="FILE", help="measure the stack these outputs describe")
    add("--cold-starts", type=int, default=10, help="per side before the first look (default 10)")
    add(
        "--max-cold-starts",
        type=int,
        default=None,
        help=f"per side at most: while the interval crosses 1 ± tolerance, {run.EXTRA_ROUNDS} more "
        f"rounds at a time (default {DEFAULT_MAX_COLD_STARTS}, at least --cold-starts)",
    )
    add(
        "--import-profiles",
        type=int,
        default=3,
        help="profiled cold starts per SDK for the import diff (default 3; median per module)",
    )
    add(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="regression when the CI's lower bound exceeds 1 + this (default 0.10)",
    )
    add(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when the instruction gate (instructions or a guard) or the wall time "
        "says `regression`",
    )
    add(
        "--count-rounds",
        type=int,
        default=DEFAULT_COUNT_ROUNDS,
        help=f"rounds of instruction counts per side and phase (default {DEFAULT_COUNT_ROUNDS}; "
        "the verdict takes the median head/base ratio)",
    )
    add(
        "--count-tolerance",
        type=float,
        default=gate.DEFAULT_COUNT_TOLERANCE,
        help="instruction verdict: regression when head/base exceeds 1 + this (default 0.01)",
    )
    add(
        "--count-functions",
        default=",".join(SDK_FUNCTIONS),
        metavar="KEYS",
        help="the SDK functions whose init is counted, comma-separated, or `none` for the "
        f"import only (default {','.join(SDK_FUNCTIONS)})",
    )
    for label in ("head", "base"):
        add(
            f"--{label}-layer",
            type=Path,
            metavar="ZIP",
            help=f"with --count-only: count this layer zip as {label} instead of building "
            f"--{label}'s",
        )
    counted = parser.add_mutually_exclusive_group()
    counted.add_argument(
        "--count-only",
        action="store_true",
        help="local: count instructions and run the guards, without the wall-time cold starts",
    )
    counted.add_argument(
        "--no-count",
        action="store_true",
        help="wall time only: no instruction count, no guards (no valgrind needed)",
    )
    add(
        "--runtime",
        choices=RUNTIMES,
        default=None,
        help="local runs only (default: --stack's runtime, else " + DEFAULT_RUNTIME + ")",
    )
    add(
        "--snapstart",
        action="store_true",
        help="instead of two SDKs: one SDK (--head, default the stack's sdk), "
        f"{BENCH_FUNCTION}'s `$LATEST` on demand against its SnapStart alias, --cold-starts "
        "rounds (locally served with snapStart on; with --deployed, a stack deployed with it; "
        "no instruction count)",
    )
    add("--out", type=Path, default=REPO_ROOT / "build" / "bench", help="default build/bench")
    add(
        "--imports",
        action="store_true",
        help="instead: the SDK's import time from our layer vs the seed recipe's, in fresh "
        "interpreters (--runs each), written to OUT/layer-import.json",
    )
    add("--runs", type=int, default=7, help="with --imports: runs per layer")
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.cold_starts < MIN_SAMPLES:
        parser.error(
            f"--cold-starts {args.cold_starts}: comparing needs at least {MIN_SAMPLES} per side"
        )
    if args.max_cold_starts is None:
        args.max_cold_starts = max(DEFAULT_MAX_COLD_STARTS, args.cold_starts)
    if args.max_cold_starts < args.cold_starts:
        parser.error(
            f"--max-cold-starts {args.max_cold_starts} is below --cold-starts "
            f"{args.cold_starts}: use at least as many"
        )
    if args.import_profiles < 1:
        parser.error(f"--import-profiles must be at least 1, got {args.import_profiles}")
    if not 0 <= args.tolerance < 1:
        parser.error(f"--tolerance {args.tolerance}: use a fraction in [0, 1), e.g. 0.10")
    _check_count(parser, args)
    if args.snapstart:
        _check_snapstart(parser, args)
    if args.runs < 5:
        parser.error(f"--runs {args.runs}: use at least 5 so the median means something")
    remote = [name for name in ("deployed", "outputs") if getattr(args, name)]
    if len(remote) > 1:
        parser.error("pass --deployed or --outputs, not both")
    if remote and args.count_only:
        parser.error(f"--count-only counts local layers; it does not take --{remote[0]}")
    if remote and (args.head is not None or args.base or args.overrides):
        parser.error(
            f"--{remote[0]} measures the SDKs the stack was deployed with: its sdk and baseSdk "
            "config; --head, --base and --set apply to local runs"
        )


def _check_snapstart(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """One SDK, two ways of starting it: nothing that compares two SDKs or counts."""
    given = [
        option
        for option, value in (
            ("--base", args.base), ("--count-only", args.count_only), ("--imports", args.imports),
            ("--fail-on-regression", args.fail_on_regression),
        )
        if value
    ]  # fmt: skip
    if given:
        parser.error(
            f"--snapstart compares one SDK on demand against SnapStart; {', '.join(given)} "
            "compare two SDKs: leave them out"
        )
    args.no_count = True


def _check_count(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.count_rounds < 1:
        parser.error(f"--count-rounds must be at least 1, got {args.count_rounds}")
    if not 0 < args.count_tolerance < 1:
        parser.error(f"--count-tolerance {args.count_tolerance}: use a fraction in (0, 1)")
    keys = [] if args.count_functions == "none" else args.count_functions.split(",")
    unknown = [key for key in keys if key not in SDK_FUNCTIONS]
    if unknown:
        parser.error(
            f"--count-functions: {', '.join(unknown)} is not an SDK function; use some of "
            f"{','.join(SDK_FUNCTIONS)} or `none`"
        )
    args.count_functions = keys
    given = [f"--{label}-layer" for label in ("head", "base") if getattr(args, f"{label}_layer")]
    if given and not args.count_only:
        parser.error(
            f"{' and '.join(given)} {'need' if len(given) > 1 else 'needs'} --count-only (the "
            "wall time serves built SDKs)"
        )


SERVED_KEYS = (
    "runtime", "architecture", "sdk", "layerArtifactDir", "baseSdk", "baseLayerArtifactDir",
    "snapStart",
)  # fmt: skip
"""Config the bench sets on the stack it serves; the rest of --set passes through."""


def _served_overrides(
    user: Mapping[str, str], target: LayerTarget, head_sdk: str, head_root: Path, *extra: str
) -> list[str]:
    """The served bench stack's config: the user's `--set` values but the keys the bench sets
    itself, then the target and the head SDK's layer, then `extra`."""
    return [
        *(f"{key}={value}" for key, value in user.items() if key not in SERVED_KEYS),
        f"runtime={target.runtime}",
        f"architecture={target.arch}",
        f"sdk={head_sdk}",
        f"layerArtifactDir={head_root}",
        *extra,
    ]


def _local_snapstart(args: argparse.Namespace) -> dict[str, Any]:
    """One SDK served with snapStart on: `$LATEST` on demand against the alias (snapstart.py)."""
    user = parse_overrides(args.overrides)
    settings = stack_settings(args.stack, overrides=user)
    head = side("head", settings.sdk.text if args.head is None else args.head, args.out / "layers")
    target = LayerTarget(args.runtime or settings.runtime, host_architecture())
    progress(f"head: the layer of {head.sdk.label} ({head.recipe} recipe)")
    built = head.build(target)
    overrides = _served_overrides(
        user, target, head.stack_value, built.root,
        "snapStart=true",
        "baseSdk=",  # one SDK: no base function, whatever the stack's config says
    )  # fmt: skip
    files = (args.out / "serve" / "outputs.json", args.out / "serve" / "serve.log")
    progress(f"serving stack {BENCH_STACK} with snapStart on")
    with local_serve(BENCH_STACK, *files, overrides) as outputs:
        served = parse_outputs(outputs, f"stack {BENCH_STACK} (local)")
        document = snapstart.measure(served, args.cold_starts, args.tolerance, progress)
    document["layers"] = {"head": built.facts}
    return document


def _local(args: argparse.Namespace, plan: run.Plan) -> dict[str, Any]:
    if args.snapstart:
        return _local_snapstart(args)
    user = parse_overrides(args.overrides)
    settings = stack_settings(args.stack, overrides=user)
    base_default = settings.base_sdk.text if settings.base_sdk is not None else ""
    layers_root = args.out / "layers"
    head = side("head", settings.sdk.text if args.head is None else args.head, layers_root)
    base = side("base", args.base or base_default, layers_root)
    target = LayerTarget(args.runtime or settings.runtime, host_architecture())
    built = {}
    for one in (head, base):
        given = getattr(args, f"{one.label}_layer")
        if given is not None:
            built[one.label] = given_layer(given)
            continue
        progress(f"{one.label}: the layer of {one.sdk.label} ({one.recipe} recipe)")
        built[one.label] = one.build(target)
    count = None if args.no_count else _count(args, settings, target, built)
    if args.count_only:
        document: dict[str, Any] = {
            "target": {"kind": "local", "source": "count only", "region": settings.region},
            "runtime": target.runtime,
            "architecture": target.arch,
            "sdks": {
                label: str(getattr(args, f"{label}_layer") or one.sdk.label)
                for label, one in (("head", head), ("base", base))
            },
        }
    else:
        overrides = _served_overrides(
            user, target, head.stack_value, built["head"].root,
            f"baseSdk={base.stack_value}",
            f"baseLayerArtifactDir={built['base'].root}",
        )  # fmt: skip
        files = (args.out / "serve" / "outputs.json", args.out / "serve" / "serve.log")
        progress(f"serving stack {BENCH_STACK}: head and base side by side")
        with local_serve(BENCH_STACK, *files, overrides) as outputs:
            target_ = parse_outputs(outputs, f"stack {BENCH_STACK} (local)")
            document = run.measure(target_, plan, progress)
    document["layers"] = {label: one.facts for label, one in built.items()}
    if count is not None:
        document["count"] = count
    if base.recipe == SEED and "comparison" in document:
        document["seedGoal"] = _seed_goal(document)
    return document


def _count(
    args: argparse.Namespace, settings: StackSettings, target: LayerTarget, built: dict[str, Any]
) -> dict[str, Any]:
    """Instruction counts and guards of both sides' layers (counting.py, gate.py); a run that
    failed (an init that raised, a probe that crashed) is recorded as the count's reason."""
    host = host_architecture()
    if target.arch != host:
        # The provider's other-architecture interpreter runs under qemu-user, where valgrind
        # cannot count: no silent fallback to this machine's interpreter (it cannot load the
        # layer's extensions).
        raise BenchError(
            f"the instruction gate counts the {target.arch} layer's init natively, and this "
            f"machine is {host} (valgrind does not run under qemu-user): count with "
            f"`--set architecture={host}`, or pass --no-count"
        )
    tools = cachegrind.require_tools()
    python = find_interpreter(target.python_version).path
    parent = args.out / "count"
    spaces = [counting.prepare(parent, label, built[label].archive) for label in ("head", "base")]
    # The key is a secret Output in the program; the init needs only a non-empty value.
    environment = sdk_environment(settings, cast("pulumi.Output[str]", PLACEHOLDER_KEY))
    setup = counting.Setup(
        python, tools, target, {k: str(v) for k, v in environment.items()}, settings.region
    )
    planned = counting.phases(args.count_functions, BENCH_FUNCTION)
    names = [phase.name for phase in planned]
    attributed = [name for name in (counting.IMPORT, f"init {BENCH_FUNCTION}") if name in names]
    progress(
        f"counting instructions: {', '.join(names)}; {args.count_rounds} rounds, head and base "
        f"at once, {python}"
    )
    try:
        results = counting.measure(
            setup, spaces, planned, args.count_rounds, progress, simulated=attributed
        )
    except BenchError as exc:
        return {"verdict": None, "reason": str(exc), "tolerance": args.count_tolerance}
    return gate.judge(results, names, args.count_tolerance, attributed)


def _seed_goal(document: dict[str, Any]) -> dict[str, Any] | None:
    """With the seed recipe as base: is our layer's cold init within GOAL_RATIO of it?"""
    ratio = document["comparison"].get("headOverBase")
    if ratio is None:
        return None
    return {"maxHeadOverSeed": series.GOAL_RATIO, "met": ratio <= series.GOAL_RATIO}


def _remote(args: argparse.Namespace, plan: run.Plan) -> dict[str, Any]:
    target: Target = from_stack(args.deployed) if args.deployed else from_outputs_file(args.outputs)
    if args.snapstart:
        return snapstart.measure(target, plan.cold_starts, plan.tolerance, progress)
    return run.measure(target, plan, progress)


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    try:
        if not args.no_count and not (args.deployed or args.outputs or args.imports):
            cachegrind.require_tools()
        if args.imports:
            imports.run(
                [args.runtime or DEFAULT_RUNTIME],
                args.runs,
                None,
                None,
                args.out / "layer-import.json",
            )
            return EXIT_OK
        plan = run.Plan(
            args.cold_starts, args.max_cold_starts, args.import_profiles, args.tolerance
        )
        document = _remote(args, plan) if args.deployed or args.outputs else _local(args, plan)
    except (HarnessError, LayerError, InfraError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    document = {"schema": 3, **document}  # 3: `count` (the instruction gate)
    json_path, md_path, markdown = output.write(document, args.out)
    print(markdown)
    progress(f"wrote {md_path} and {json_path}")
    problems = snapstart.failed(document) if args.snapstart else run.failed(document)
    for problem in problems:
        progress(f"FAILED: {problem}")
    if problems:
        return EXIT_FAILED
    regressed = run.regressions(document)
    if args.fail_on_regression and regressed:
        progress(f"FAILED: regression ({'; '.join(regressed)}) (--fail-on-regression)")
        return EXIT_FAILED
    return EXIT_OK
