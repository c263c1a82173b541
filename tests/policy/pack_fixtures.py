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
from harness.policy_gate.gate import GateResult, check_capture, pack_env
from harness.policy_gate.launcher import PackProcess
from harness.program.capture import Capture
from harness.program.render import render
from policy.hhguard.limits import ALLOWED_TYPES
from tests.policy.attack_cases import ATTACK_KEY, ATTACK_STACK
from tests.policy.support import (
    ATTACK_PROJECT,
    ATTACKS_PROGRAM,
    FIXTURE_PROGRAM,
    FIXTURE_STACK,
    POLICY_DIR,
)

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


# The runtime and expiry rules read the clock; the fixture's verdicts are judged at a fixed time
# instead (the `asOf` settings), so they do not change as dates pass.
AS_OF = "2026-11-29"
AS_OF_TIME = f"{AS_OF}T12:00:00Z"
DATED = {
    **{
        name: PolicySetting(properties={"asOf": AS_OF})
        for name in ("lambda-runtime", "lambda-runtime-deprecation")
    },
    "stack-expiry": PolicySetting(properties={"asOf": AS_OF_TIME}),
}
# The fixture declares more types than the test bed, to exercise the rules that read them; its
# one bad type (an SNS topic) is left out.
FIXTURE_TYPES = [
    *ALLOWED_TYPES,
    "aws:lambda/functionUrl:FunctionUrl",
    "aws:lambda/permission:Permission",
    "aws:lambda/layerVersionPermission:LayerVersionPermission",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sqs/queue:Queue",
]
FIXTURE_CONFIG = {
    **DATED,
    "allowed-resource-types": PolicySetting(properties={"allowedTypes": FIXTURE_TYPES}),
    "iam-no-wildcard-actions": PolicySetting(
        properties={"allowedActionPatterns": ["logs:Describe*"]}
    ),
}


@pytest.fixture(scope="session")
def violations_result(pack: PackProcess, violations_capture: Capture) -> GateResult:
    return check_capture(violations_capture, pack.channel, FIXTURE_CONFIG)


@pytest.fixture(scope="session")
def secret_pack() -> Iterator[PackProcess]:
    """The pack as the CLI starts it for the attacks stack: its config, the key decrypted."""
    key = f"{ATTACK_PROJECT}:hhApiKey"
    env = pack_env(ATTACK_PROJECT, ATTACK_STACK, {key: ATTACK_KEY}, [key])
    with PackProcess(POLICY_DIR, env=env) as running:
        yield running


@pytest.fixture(scope="session")
def attacks_capture(fixture_zips: dict[str, str]) -> Capture:
    overrides = {"layerZip": fixture_zips["layerZip"], "hhApiKey": ATTACK_KEY}
    return render(ATTACK_STACK, program_dir=ATTACKS_PROGRAM, overrides=overrides)


@pytest.fixture(scope="session")
def attacks_result(secret_pack: PackProcess, attacks_capture: Capture) -> GateResult:
    return check_capture(attacks_capture, secret_pack.channel, {})
