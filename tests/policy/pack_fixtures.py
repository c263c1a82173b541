"""One policy pack process for the whole session, and the captures the tests check with it.

Starting the pack costs a process and an import of Pulumi, so tests that only need "the pack,
as the CLI starts it" share this one; tests about starting it (broken packs, the CLI's own
process handling) start their own.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

import pytest

from harness.policy_gate.config import PolicySetting
from harness.policy_gate.gate import GateResult, check_capture
from harness.policy_gate.launcher import PackProcess
from harness.program.capture import Capture
from harness.program.render import render
from tests.policy.support import FIXTURE_PROGRAM, FIXTURE_STACK, POLICY_DIR

MB = 1024 * 1024


@pytest.fixture(scope="session")
def pack() -> Iterator[PackProcess]:
    with PackProcess(POLICY_DIR) as running:
        yield running


@pytest.fixture(scope="session")
def fixture_zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The fixture program's `layerZip` (tiny) and `bigZip` (51 MB, sparse: instant to write)."""
    root = tmp_path_factory.mktemp("zips")
    small = root / "small.zip"
    with zipfile.ZipFile(small, "w") as archive:
        archive.writestr("python/fixture.py", "FIXTURE = True\n")
    big = root / "big.zip"
    with big.open("wb") as handle:
        handle.truncate(51 * MB)
    return {"layerZip": str(small), "bigZip": str(big)}


@pytest.fixture(scope="session")
def violations_capture(fixture_zips: dict[str, str]) -> Capture:
    return render(FIXTURE_STACK, program_dir=FIXTURE_PROGRAM, overrides=fixture_zips)


# The runtime rules read the clock; the fixture's verdicts are judged on a fixed day instead
# (the `asOf` setting), so they do not change as dates pass.
AS_OF = "2026-11-29"
DATED = {
    name: PolicySetting(properties={"asOf": AS_OF})
    for name in ("lambda-runtime", "lambda-runtime-deprecation")
}


@pytest.fixture(scope="session")
def violations_result(pack: PackProcess, violations_capture: Capture) -> GateResult:
    return check_capture(violations_capture, pack.channel, DATED)
