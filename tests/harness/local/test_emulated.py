"""One function end to end on the other architecture: its RIE and its runtime under qemu-user,
its layer's native wheels loaded by Debian's CPython for that machine. (The full emulated run
is `make local ARCH=arm64`; emulation is ~20-35x slower, so make test runs one invoke.)"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.lambda_report import parse_report
from infra.spec import LINUX_MACHINES, REPO_ROOT
from layer.build import Built
from layer.targets import LayerTarget
from tests.layer.build_fixtures import HOST_ARCH

pytestmark = pytest.mark.slow

OTHER_ARCH = "arm64" if HOST_ARCH == "x86_64" else "x86_64"
TARGET = LayerTarget("python3.13", OTHER_ARCH)
HANDLER = """
import platform
import sys


def handler(event, context):
    import pydantic_core._pydantic_core as native  # the layer's extension module

    return {
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "native": native.__file__.rsplit("/", 1)[1],
        "remainingMs": context.get_remaining_time_in_millis(),
    }
"""


def test_a_function_runs_on_the_other_architecture_under_qemu(
    built_layer: Callable[[LayerTarget], Built], tmp_path: Path
) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    result = subprocess.run(
        [sys.executable, "-m", "harness", "local", "invoke", "--code", str(code),
         "--handler", "app.handler", "--runtime", TARGET.runtime,
         "--architecture", OTHER_ARCH, "--layer", str(built_layer(TARGET).archive),
         "--timeout", "3"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    assert answer["machine"] == LINUX_MACHINES[OTHER_ARCH]
    assert (
        answer["native"] == f"_pydantic_core.cpython-313-{LINUX_MACHINES[OTHER_ARCH]}-linux-gnu.so"
    )
    # The 3 s timeout is scaled by the measured emulation factor (at least 1x: the clock the
    # function sees is the emulated one).
    assert answer["remainingMs"] > 3000
    report = parse_report(result.stderr)
    assert report.init_duration_ms is not None
