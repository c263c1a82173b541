"""`python -m harness bench`: usage errors name the option and the fix; the run itself (slow)
serves head and base side by side and compares them."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.bench import cli
from harness.bench.cli import main
from harness.bench.errors import BenchError
from harness.local.host import host_architecture
from infra.spec import REPO_ROOT
from layer.pins import read_pins
from layer.targets import LayerTarget
from tests.layer.build_fixtures import unpacked_sdist


def bench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "bench", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cold-starts", "3"], "--cold-starts 3: comparing needs at least 5 per side"),
        (["--tolerance", "1.5"], "--tolerance 1.5: use a fraction in [0, 1)"),
        (["--import-profiles", "0"], "--import-profiles must be at least 1"),
        (["--deployed", "s", "--outputs", "o.json"], "pass --deployed or --outputs, not both"),
        (["--deployed", "s", "--head", "honeyhive==1.6.1"], "--deployed measures the SDKs"),
        (["--count-rounds", "0"], "--count-rounds must be at least 1, got 0"),
        (["--count-tolerance", "0"], "--count-tolerance 0.0: use a fraction in (0, 1)"),
        (["--count-functions", "baseline"], "--count-functions: baseline is not an SDK function"),
        (["--head-layer", "h.zip"], "--head-layer needs --count-only"),
        (["--count-only", "--deployed", "s"], "--count-only counts local layers"),
        (["--count-only", "--no-count"], "not allowed with argument"),
    ],
)
def test_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_bad_spec_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base", "requests==2.34.2", "--out", str(tmp_path)]) == 2
    assert "bench: --base: SDK 'requests==2.34.2' asks for 'requests'" in capsys.readouterr().err
    assert not (tmp_path / "bench.json").exists()


def test_outputs_without_a_base_function_say_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    functions = {
        key: {"name": f"honeyhive-x-{key}", "arn": "arn", "runtime": "python3.13",
              "memorySize": 256, "timeout": 30, "logGroup": f"/aws/lambda/honeyhive-x-{key}"}
        for key in ("working_sdk_test", "cold_start_test", "basic_tracing", "baseline")
    }  # fmt: skip
    sdk = {"version": "1.7.0", "kind": "release", "commit": "", "dirty": False}
    outputs.write_text(json.dumps({"functions": functions, "region": "us-east-1", "sdk": sdk}))
    assert main(["--outputs", str(outputs), "--out", str(tmp_path)]) == 2
    assert "has no base function (no `base` output): set the stack's baseSdk" in (
        capsys.readouterr().err
    )


# CPU seconds the slower SDK burns at import: about 2.5x the SDK's own import, so that 5 rounds
# are conclusive even when the test shares the machine with two other workers (with 0.8 s, one
# run in `make test` needed 10 rounds).
SLOW_SECONDS = 2.0
SLOW_IMPORT = """\
import time as _time

_end = _time.process_time() + {seconds}
while _time.process_time() < _end:
    pass
"""


@pytest.fixture(scope="module")
def slower_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The locked release's source, plus a module its package imports that burns CPU: a tree
    whose cold start is slower by that much, for a reason one module explains."""
    tree = unpacked_sdist(read_pins()["honeyhive"], tmp_path_factory.mktemp("slower-sdk"))
    package = tree / "src" / "honeyhive"
    (package / "_slow_import.py").write_text(SLOW_IMPORT.format(seconds=SLOW_SECONDS))
    init = package / "__init__.py"
    init.write_text("from honeyhive import _slow_import  # noqa: F401\n" + init.read_text())
    return tree


@pytest.mark.slow
def test_a_slower_sdk_is_a_regression_with_its_culprit_first(
    slower_sdk: Path, sdk_layer: Path, tmp_path: Path
) -> None:
    """`sdk_layer` (the locked release in build/layer) is built first, so the base side is
    served from it as `make bench` does after `make layer`; only the head tree is built."""
    done = bench(
        "--base", "locked", "--head", str(slower_sdk), "--cold-starts", "5",
        "--max-cold-starts", "10", "--import-profiles", "1", "--out", str(tmp_path),
        "--count-rounds", "1", "--count-functions", "none", timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    document = json.loads((tmp_path / "bench.json").read_text())
    count = document["count"]
    assert count["verdict"] == count["instructionVerdict"] == "regression", count
    assert count["phases"][0]["phase"] == "import"
    # 2 CPU seconds of a timed loop: under valgrind, some 6% more instructions (its speed varies)
    assert count["phases"][0]["headOverBase"] > 1.02
    assert count["attribution"][0]["totalDelta"] > 0
    assert "head loads 1 more modules at import: honeyhive._slow_import" in [
        finding["text"] for finding in count["guardFindings"]
    ]
    assert document["comparison"]["verdict"] == "regression", document["comparison"]
    assert document["comparison"]["confidenceInterval"][0] > 1.1
    top = document["importDiff"]["modules"][0]
    assert (top["module"], top["status"]) == ("honeyhive._slow_import", "new")
    assert top["selfDeltaMs"] > 0.75 * SLOW_SECONDS * 1000
    series = document["series"]
    counts = {len(series[side]["initMs"]) for side in ("head", "base", "baseline")}
    assert counts in ({5}, {10}), "every side has each round's cold start: 5, or 10 with more"
    assert all(one["errors"] == [] for one in series.values())
    lines = (tmp_path / "bench.md").read_text().splitlines()
    assert lines[2].startswith("Head: **honeyhive ") and "(tree)** · Base: **honeyhive " in lines[2]
    assert lines[4].startswith("Instruction gate: **regression**: instructions **regression**")
    assert any(line.startswith("Wall-time verdict: **regression**") for line in lines)
    assert "bench: round 5/5: head init" in done.stderr
    assert f"the same build is in {sdk_layer.parent}, using it" in done.stderr


def test_the_instruction_gate_refuses_a_layer_of_the_other_architecture() -> None:
    """valgrind cannot count under qemu-user, and this machine's interpreter cannot load the
    other architecture's extensions: the gate says so instead of counting something else."""
    other = "arm64" if host_architecture() == "x86_64" else "x86_64"
    target = LayerTarget("python3.13", other)
    with pytest.raises(BenchError, match=f"counts the {other} layer's init natively") as refused:
        cli._count(argparse.Namespace(), None, target, {})  # type: ignore[arg-type]
    assert f"--set architecture={host_architecture()}" in str(refused.value)
