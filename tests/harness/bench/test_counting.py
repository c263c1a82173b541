"""The instruction gate on a tiny synthetic package (a cachegrind run of its import takes ~2 s,
not the SDK's ~10 s): identical trees are `no change`, 3% more instructions is a `regression`,
and a socket, a process or a thread started at import is named with the line that started it.
Every synthetic head has its bytecode rebuilt (tests/harness/bench/synthetic.py)."""

from __future__ import annotations

import platform
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from harness.bench import cachegrind, counting, gate
from harness.bench.counting import Phase, SideResult
from harness.bench.errors import BenchError
from infra.spec import BENCH_FUNCTION, REPO_ROOT
from layer.interpreters import find_interpreter
from layer.targets import ARCHES, LayerTarget
from tests.harness.bench.synthetic import instructions_per_iteration, make_head

RUNTIME = "python3.13"
PACKAGE = "tinypkg"
SITE = f"python/lib/{RUNTIME}/site-packages"
BASE_ITERATIONS = 20_000
"""The tiny package's own work at import: a loop that outweighs the interpreter's startup."""
TINY_INIT = f'''"""A package whose import does some work of its own."""

__version__ = "1.0.0"
_total = 0
for _i in range({BASE_ITERATIONS}):
    _total += _i
'''
PHASE = Phase(counting.IMPORT, (PACKAGE,), BENCH_FUNCTION)


@pytest.fixture(scope="module")
def setup() -> counting.Setup:
    arch = next(name for name, machine in ARCHES.items() if machine == platform.machine())
    python = find_interpreter(RUNTIME.removeprefix("python")).path
    target = LayerTarget(RUNTIME, arch)
    return counting.Setup(python, cachegrind.require_tools(), target, {}, "us-east-1")


@pytest.fixture(scope="module")
def base_zip(tmp_path_factory: pytest.TempPathFactory, setup: counting.Setup) -> Path:
    """A layer zip holding only `tinypkg`, compiled as the layer builder compiles (the version
    head rebuilds it from this same tree)."""
    root = tmp_path_factory.mktemp("tiny-base")
    tree = root / "tree"
    (tree / SITE / PACKAGE).mkdir(parents=True)
    (tree / SITE / PACKAGE / "__init__.py").write_text(TINY_INIT)
    zip_path = root / "layer.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.write(tree / SITE / PACKAGE / "__init__.py", f"{SITE}/{PACKAGE}/__init__.py")
    # Through make_head's version change and back: the same compile path as every head.
    return make_head(
        "version", zip_path, root / "compiled" / "layer.zip", setup.python,
        package=PACKAGE, site_packages=SITE,
    )  # fmt: skip


def head(kind: str, base: Path, python: Path, tmp: Path, extra: int = 0) -> Path:
    return make_head(
        kind, base, tmp / kind / "layer.zip", python,
        package=PACKAGE, site_packages=SITE, extra_instructions=extra,
    )  # fmt: skip


def count(
    setup: counting.Setup, head_zip: Path, base_zip: Path, tmp: Path, rounds: int
) -> dict[str, Any]:
    spaces = [
        counting.prepare(tmp / "count", "head", head_zip),
        counting.prepare(tmp / "count", "base", base_zip),
    ]
    results = counting.measure(setup, spaces, [PHASE], rounds, lambda _: None)
    return gate.judge(results, [PHASE.name], gate.DEFAULT_COUNT_TOLERANCE, [PHASE.name])


@pytest.fixture(scope="module")
def same_tree(
    setup: counting.Setup, base_zip: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The gate's judgement of the same tree with another version string against the base."""
    tmp = tmp_path_factory.mktemp("same-tree")
    return count(setup, head("version", base_zip, setup.python, tmp), base_zip, tmp, 2)


def test_the_same_tree_with_another_version_is_no_change(same_tree: dict[str, Any]) -> None:
    phase = same_tree["phases"][0]
    assert same_tree["verdict"] == "no change", same_tree
    assert abs(phase["headOverBase"] - 1) < 0.001, phase
    assert phase["roundSpread"] < 0.001
    assert phase["cyclesHeadOverBase"] is not None
    assert same_tree["guardFindings"] == []


def test_three_percent_more_instructions_is_a_regression_named_by_function(
    setup: counting.Setup, base_zip: Path, same_tree: dict[str, Any], tmp_path: Path
) -> None:
    base_instructions = same_tree["phases"][0]["baseInstructions"][0]
    extra = round(
        0.03 * base_instructions / instructions_per_iteration(setup.python, tmp_path, 20_000)
    )
    slower = head("slower", base_zip, setup.python, tmp_path, extra)
    judged = count(setup, slower, base_zip, tmp_path, 1)
    phase = judged["phases"][0]
    assert judged["instructionVerdict"] == "regression", phase
    assert 1.02 < phase["headOverBase"] < 1.04, phase
    top = judged["attribution"][0]["functions"][0]
    assert top["delta"] > 0 and top["function"].startswith("_PyEval_EvalFrameDefault"), top
    assert judged["attribution"][0]["totalDelta"] > 0.02 * base_instructions
    # One more module: named, and its file lookups (stat, openat) may be too; no effects.
    assert {f["guard"] for f in judged["guardFindings"]} <= {"modules", "syscalls"}


@pytest.mark.parametrize(
    ("kind", "guard", "said"),
    [
        ("socket", "network", "head uses the network at import: socket.connect 127.0.0.1:9 "
         "from tinypkg/_synthetic_head.py:5"),
        ("process", "process", "head starts a process at import: subprocess.Popen true from "
         "tinypkg/_synthetic_head.py:3"),
        ("thread", "thread", "head starts a thread at import: _thread.start_joinable_thread "
         "thread 'synthetic-head' from tinypkg/_synthetic_head.py:4"),
    ],
)  # fmt: skip
def test_the_guards_name_what_the_head_started_and_where(
    kind: str, guard: str, said: str, setup: counting.Setup, base_zip: Path, tmp_path: Path
) -> None:
    """Guard runs only (no cachegrind): what the audit hook saw, head against base."""
    spaces = {
        "head": counting.prepare(tmp_path, "head", head(kind, base_zip, setup.python, tmp_path)),
        "base": counting.prepare(tmp_path, "base", base_zip),
    }
    sides = {
        label: SideResult({PHASE.name: []}, {PHASE.name: counting.guard(setup, space, PHASE)})
        for label, space in spaces.items()
    }
    findings = gate.guard_findings(sides["head"], sides["base"], PHASE.name)
    gating = [f for f in findings if f["gates"]]
    assert said in [f["text"] for f in gating], findings
    assert {f["guard"] for f in gating} <= {guard, "threads"}
    if kind == "thread":
        assert any("head leaves 2 threads alive at the end of import" in f["text"] for f in gating)


def test_an_init_that_fails_is_not_a_measurement(
    setup: counting.Setup, base_zip: Path, tmp_path: Path
) -> None:
    space = counting.prepare(tmp_path, "head", base_zip)
    broken = Phase(counting.IMPORT, ("tinypkg_missing",), BENCH_FUNCTION)
    with pytest.raises(
        BenchError,
        match=r"(?s)head: the guard run of import failed .*No module named 'tinypkg_missing'",
    ):
        counting.guard(setup, space, broken)


def test_without_valgrind_the_gate_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(cachegrind.ToolMissing, match="valgrind and setarch not found on PATH"):
        cachegrind.require_tools(path=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "bench", "--count-only", "--out", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "bench: valgrind and setarch not found on PATH" in done.stderr
    assert "apt-get install valgrind" in done.stderr
    assert not (tmp_path / "bench.json").exists()
