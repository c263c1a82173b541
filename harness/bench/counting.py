"""Count both sides' instructions, and watch what counting cannot see, in one fixed environment.

Each side's layer is unpacked under `<out>/count/head` and `<out>/count/base` (paths of equal
length, so no string the interpreter handles differs in size between the sides) beside a copy of
the handlers (the task root), an empty runtime directory and HOME. Every process gets exactly
the environment the runtime would give the function (harness/local/env_vars.py, with the
stack's HH_* values and a placeholder key) plus HOME and PYTHONHASHSEED=0, nothing inherited,
runs the runtime's interpreter (layer/interpreters.py) under `setarch -R` (no address
randomisation) and runs count_probe.py.

Phases: `import` (the SDK's import) and `init <function>` for each SDK function (importing the
handler module, which imports the SDK and makes the tracer at module scope). Per round, each
phase of head and base runs under cachegrind at the same time (two processes, one per core);
round 1 simulates the cache as well (estimated cycles) for the phases the report attributes
(the import and the bench function's init: the other inits run the same code), the others
count instructions only.
Before the rounds, one plain run per side and phase records the guards (count_probe.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.bench import cachegrind
from harness.bench.errors import BenchError
from harness.local.config import FunctionConfig
from harness.local.env_vars import function_environment
from harness.local.sandbox import Paths
from infra.spec import FUNCTIONS, REPO_ROOT
from layer import archive
from layer.targets import LayerTarget

PROBE = Path(__file__).with_name("count_probe.py")
HANDLERS = REPO_ROOT / "lambda_functions"
SDK_MODULES = ("honeyhive",)
"""What the handlers import of the SDK (lambda_functions/_contract.py)."""
IMPORT = "import"
LOG_STREAM = "2026/01/01/[$LATEST]00000000000000000000000000000000"
COUNT_TIMEOUT_S = 600
GUARD_TIMEOUT_S = 120
PARALLEL = 2
"""Processes at once: head and base of the same phase and round."""


@dataclass(frozen=True)
class Phase:
    name: str
    """`import`, or `init <function>`."""
    modules: tuple[str, ...]
    function: str
    """The function whose environment the phase runs in (the import: the bench's function)."""

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "-")


def phases(functions: Sequence[str], bench_function: str) -> list[Phase]:
    return [
        Phase(IMPORT, SDK_MODULES, bench_function),
        *(Phase(f"init {key}", (key,), key) for key in functions),
    ]


@dataclass(frozen=True)
class Workspace:
    label: str
    root: Path

    @property
    def opt(self) -> Path:
        return self.root / "opt"

    @property
    def task(self) -> Path:
        return self.root / "task"

    @property
    def runtime(self) -> Path:
        return self.root / "rt"

    @property
    def home(self) -> Path:
        return self.root / "home"


def prepare(parent: Path, label: str, layer_zip: Path) -> Workspace:
    """A fresh workspace: the layer unpacked as /opt, the handlers as /var/task."""
    space = Workspace(label, parent / label)
    shutil.rmtree(space.root, ignore_errors=True)
    archive.unpack(layer_zip, space.opt)
    space.task.mkdir(parents=True)
    for handler in sorted(HANDLERS.glob("*.py")):
        shutil.copy2(handler, space.task / handler.name)
    space.runtime.mkdir()
    space.home.mkdir()
    return space


@dataclass(frozen=True)
class Setup:
    """What both sides share: the interpreter, the tools, the function's environment."""

    python: Path
    tools: dict[str, str]
    target: LayerTarget
    sdk_environment: Mapping[str, str]
    region: str


def environment(setup: Setup, space: Workspace, function: str) -> dict[str, str]:
    """The function's environment as the runtime sets it, plus HOME and PYTHONHASHSEED=0."""
    spec = FUNCTIONS[function]
    config = FunctionConfig(
        name=f"bench-{spec.slug}", handler=spec.handler, code=space.task,
        runtime=setup.target.runtime, architecture=setup.target.arch,
        memory_size=spec.memory_mb, timeout=spec.timeout_s,
        environment=dict(setup.sdk_environment), region=setup.region,
    )  # fmt: skip
    paths = Paths(
        task_root=str(space.task), opt=str(space.opt), runtime_dir=str(space.runtime),
        lang=str(setup.python.parent.parent), interpreter_name=setup.python.name, rie="",
        sandboxed=False,
    )  # fmt: skip
    env = function_environment(config, paths, log_stream=LOG_STREAM)
    return {**env, "HOME": str(space.home), "PYTHONHASHSEED": "0"}


def _probe_command(setup: Setup, space: Workspace, phase: Phase, report: Path | None) -> list[str]:
    config = {
        "modules": list(phase.modules),
        "report": None if report is None else str(report),
        "roots": [str(space.opt / setup.target.site_packages), str(space.opt), str(space.task)],
    }
    return [str(setup.python), "-S", "-B", "-P", "-c", PROBE.read_text(), json.dumps(config)]


def _run(argv: list[str], env: dict[str, str], cwd: Path, timeout: float, what: str) -> None:
    try:
        done = subprocess.run(
            argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{what} took more than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


@dataclass(frozen=True)
class Counted:
    counts: cachegrind.Counts
    syscalls: dict[str, int]


def count(
    setup: Setup, space: Workspace, phase: Phase, round_number: int, *, cache_sim: bool
) -> Counted:
    """One run of the phase under cachegrind, with the cache simulation or without."""
    stem = space.root / f"cachegrind-{phase.slug}-{round_number}"
    out, log = stem.with_suffix(".out"), stem.with_suffix(".log")
    prefix = cachegrind.command(setup.tools, out, log, cache_sim=cache_sim)
    argv = [*prefix, *_probe_command(setup, space, phase, None)]
    what = f"{space.label}: counting {phase.name} (round {round_number}, log {log})"
    _run(argv, environment(setup, space, phase.function), space.task, COUNT_TIMEOUT_S, what)
    return Counted(
        cachegrind.parse_counts(out.read_text()), cachegrind.parse_syscalls(log.read_text())
    )


def guard(setup: Setup, space: Workspace, phase: Phase) -> dict[str, Any]:
    """One plain run of the phase with the probe's audit hook: its guard report."""
    report = space.root / f"guard-{phase.slug}.json"
    report.unlink(missing_ok=True)
    argv = [setup.tools["setarch"], "-R", *_probe_command(setup, space, phase, report)]
    what = f"{space.label}: the guard run of {phase.name}"
    _run(argv, environment(setup, space, phase.function), space.task, GUARD_TIMEOUT_S, what)
    result: dict[str, Any] = json.loads(report.read_text())
    return result


@dataclass
class SideResult:
    counted: dict[str, list[Counted]] = field(default_factory=dict)
    """Phase -> one Counted per round, in round order."""
    guards: dict[str, dict[str, Any]] = field(default_factory=dict)


def measure(
    setup: Setup,
    spaces: Sequence[Workspace],
    planned: Sequence[Phase],
    rounds: int,
    progress: Callable[[str], None],
    *,
    simulated: Collection[str] | None = None,
) -> dict[str, SideResult]:
    """Guards, then `rounds` rounds of counts; head and base of a phase run at once. Round 1
    simulates the cache for the phases named in `simulated` (default: all), which doubles its
    time. BenchError on the first run that fails (an init that fails is not a measurement)."""
    lengths = {len(str(space.root)) for space in spaces}
    if len(lengths) != 1:
        raise BenchError(f"workspaces {[str(s.root) for s in spaces]} differ in path length")
    results = {space.label: SideResult() for space in spaces}
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for phase in planned:
            futures = {s.label: pool.submit(guard, setup, s, phase) for s in spaces}
            for label, future in futures.items():
                results[label].guards[phase.name] = future.result()
        progress(f"guards recorded for {len(planned)} phases")
        for round_number in range(1, rounds + 1):
            for phase in planned:
                cache_sim = round_number == 1 and (simulated is None or phase.name in simulated)
                jobs = {
                    s.label: pool.submit(count, setup, s, phase, round_number, cache_sim=cache_sim)
                    for s in spaces
                }
                shown = []
                for label, job in jobs.items():
                    counted = job.result()
                    results[label].counted.setdefault(phase.name, []).append(counted)
                    shown.append(f"{label} {counted.counts.instructions / 1e9:.4f} G")
                progress(f"count round {round_number}/{rounds}: {phase.name}: {', '.join(shown)}")
    return results
