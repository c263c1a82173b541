"""The deployed (or locally served) stack under test, from its outputs.

Outputs come from a file (`--outputs FILE`: what `python -m harness local serve` writes, or a
saved `pulumi stack output --json`) or from the Pulumi CLI (`--stack S`). The shape is the
program's contract: `functions` keyed by the four test functions, each `{name, arn, runtime,
memorySize, timeout, logGroup}`, plus `region` and `sdk`; with `baseSdk`, `base` holds the
benchmark's base function and its SDK. The local runtime adds `endpointUrl` (its Lambda API) and
`ingestUrl` (its HoneyHive-compatible ingest).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.postdeploy.errors import PulumiMissing, TargetError
from infra.sdk import describe
from infra.spec import BENCH_FUNCTION, FUNCTIONS

FUNCTION_KEYS = tuple(FUNCTIONS)
PULUMI_TIMEOUT_S = 120


@dataclass(frozen=True)
class FunctionOutput:
    key: str
    name: str
    arn: str
    runtime: str
    memory_size: int
    timeout: int
    log_group: str
    sdk_version: str | None = None
    """The honeyhive version the stack's layer holds (outputs' `sdk`), for the SDK functions:
    what each of their answers must report as sdkVersion."""

    @property
    def sdk(self) -> bool:
        """Whether it runs the SDK from the layer (infra.spec says which functions do)."""
        return FUNCTIONS[self.key].uses_sdk


@dataclass(frozen=True)
class Target:
    source: str
    """Where the outputs came from: `outputs file <path>` or `stack <name>`."""
    outputs: Mapping[str, Any]
    region: str
    functions: Mapping[str, FunctionOutput]
    base: FunctionOutput | None = None
    """The benchmark's base: BENCH_FUNCTION on the base SDK's layer (stacks with `baseSdk`)."""

    @property
    def sdk_description(self) -> str:
        """The SDK under test as reports name it: `honeyhive 1.6.1 (tree 0a1b2c3d4e5f+dirty)`."""
        return _describe(self.outputs["sdk"])

    @property
    def base_sdk_description(self) -> str | None:
        return _describe(self.outputs["base"]["sdk"]) if self.base else None

    @property
    def endpoint_url(self) -> str | None:
        value = self.outputs.get("endpointUrl")
        return str(value) if value else None

    @property
    def ingest_url(self) -> str | None:
        value = self.outputs.get("ingestUrl")
        return str(value) if value else None

    @property
    def local_runtimes(self) -> Mapping[str, Any]:
        """What the local runtime ran each `<runtime>-<arch>` on (`harness.local.serve`)."""
        value = self.outputs.get("localRuntimes")
        return value if isinstance(value, Mapping) else {}

    @property
    def time_scale(self) -> float:
        """How many times slower than natively the slowest runtime served is (1: none is
        emulated): the suite's time limits and overhead gates are multiplied by it."""
        scales = [float(facts.get("timeScale") or 1.0) for facts in self.local_runtimes.values()]
        return max([1.0, *scales])

    @property
    def kind(self) -> str:
        """`local` when the outputs name a Lambda endpoint of their own, else `aws`."""
        return "local" if self.endpoint_url else "aws"

    def outputs_text(self) -> str:
        return json.dumps(self.outputs, sort_keys=True)


def _describe(sdk: Mapping[str, Any]) -> str:
    return describe(
        str(sdk["version"]), str(sdk["kind"]), sdk.get("commit"), bool(sdk.get("dirty"))
    )


def _sdk_output(source: str, key: str, sdk: Any) -> dict[str, Any]:
    if not isinstance(sdk, dict) or not all(
        isinstance(sdk.get(k), str) for k in ("version", "kind")
    ):
        raise TargetError(
            f"{source}: no `{key}` output naming the SDK in the layer (got {sdk!r}): the suite "
            "checks every answer against it; deploy the current program"
        )
    return sdk


def from_outputs_file(path: Path) -> Target:
    source = f"outputs file {path}"
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise TargetError(
            f"cannot read {path}: {exc.strerror or exc}; start the local runtime with "
            f"`python -m harness local serve --stack ci --outputs {path}` or save "
            f"`pulumi stack output --json --stack S > {path}`"
        ) from exc
    except ValueError as exc:
        raise TargetError(f"{path} is not JSON ({exc}): pass the stack outputs file") from exc
    return parse_outputs(document, source)


def from_stack(stack: str) -> Target:
    """`pulumi stack output --json --stack S` (secrets are not among the outputs by contract)."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise PulumiMissing(
            f"--stack {stack} reads `pulumi stack output --json`, but the Pulumi CLI is not on "
            "PATH: install it (https://www.pulumi.com/docs/install/) or pass --outputs FILE"
        )
    command = [pulumi, "stack", "output", "--json", "--stack", stack]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PULUMI_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TargetError(f"`{' '.join(command[1:])}` did not answer in {exc.timeout} s") from exc
    if done.returncode != 0:
        raise TargetError(
            f"`pulumi {' '.join(command[1:])}` failed (exit {done.returncode}): "
            f"{done.stderr.strip()[-500:]}; is the stack deployed and are you logged in?"
        )
    try:
        document = json.loads(done.stdout)
    except ValueError as exc:
        raise TargetError(f"`pulumi stack output --json` printed no JSON: {exc}") from exc
    return parse_outputs(document, f"stack {stack}")


def parse_outputs(document: Any, source: str) -> Target:
    if not isinstance(document, dict):
        raise TargetError(f"{source}: the outputs must be a JSON object, got {type(document)}")
    functions = document.get("functions")
    if not isinstance(functions, dict):
        raise TargetError(
            f"{source}: no `functions` map in the outputs (keys: {sorted(document)}); "
            "is this the honeyhive-lambda-test stack?"
        )
    missing = [key for key in FUNCTION_KEYS if key not in functions]
    if missing:
        raise TargetError(
            f"{source}: `functions` lacks {', '.join(missing)} (has {sorted(functions)}); "
            "deploy the current program"
        )
    region = document.get("region")
    if not isinstance(region, str) or not region:
        raise TargetError(f"{source}: `region` must be a region name, got {region!r}")
    sdk = _sdk_output(source, "sdk", document.get("sdk"))
    parsed = {
        key: _function(source, key, functions[key], str(sdk["version"])) for key in FUNCTION_KEYS
    }
    base = document.get("base")
    base_output = None
    if base is not None:
        if not isinstance(base, dict):
            raise TargetError(f"{source}: `base` must be {{function, sdk}}, got {base!r}")
        base_sdk = _sdk_output(source, "base.sdk", base.get("sdk"))
        base_output = _function(
            source, BENCH_FUNCTION, base.get("function"), str(base_sdk["version"]), "base.function"
        )
    return Target(
        source=source, outputs=document, region=region, functions=parsed, base=base_output
    )


def _function(
    source: str, key: str, entry: Any, sdk_version: str, where: str = ""
) -> FunctionOutput:
    where = where or f"functions.{key}"
    fields = ("name", "arn", "runtime", "memorySize", "timeout", "logGroup")
    if not isinstance(entry, dict):
        raise TargetError(f"{source}: {where} must have {', '.join(fields)}, got {entry!r}")
    missing = [field for field in fields if field not in entry]
    if missing:
        raise TargetError(
            f"{source}: {where} lacks {', '.join(missing)} (it must have {', '.join(fields)}), "
            f"got {entry!r}"
        )
    try:
        return FunctionOutput(
            key=key,
            name=str(entry["name"]),
            arn=str(entry["arn"]),
            runtime=str(entry["runtime"]),
            memory_size=int(entry["memorySize"]),
            timeout=int(entry["timeout"]),
            log_group=str(entry["logGroup"]),
            sdk_version=sdk_version if FUNCTIONS[key].uses_sdk else None,
        )
    except (TypeError, ValueError) as exc:
        raise TargetError(f"{source}: {where} has a bad value: {exc}") from exc
