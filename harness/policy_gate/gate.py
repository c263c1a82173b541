"""One policy check of a render capture over the Analyzer protocol, in the CLI's order.

GetAnalyzerInfo; ConfigureStack (stack, project, config); Configure (the reconciled policy
config, every policy); Analyze per resource; AnalyzeStack once. Violations are attributed as the
engine does: an Analyze diagnostic to the analyzed resource, an AnalyzeStack diagnostic to the
URN it names when that is a resource of the stack, else to the root stack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from harness.policy_gate.config import PolicySetting, configure_request, reconcile
from harness.policy_gate.errors import AnalyzerError
from harness.policy_gate.marshal import CaptureMarshaller
from harness.policy_gate.report import Violation, violation
from harness.program.capture import Capture
from harness.program.render import ORGANIZATION
from harness.secret import SECRET_PLACEHOLDER

RPC_TIMEOUT_SECONDS: Final = 120.0


@dataclass(frozen=True)
class GateResult:
    pack: str
    violations: tuple[Violation, ...]
    resources: int
    seconds: float

    @property
    def passed(self) -> bool:
        return not any(v.mandatory for v in self.violations)


def pack_env(
    project: str, stack: str, config: Mapping[str, str], secret_keys: Sequence[str] = ()
) -> dict[str, str]:
    """The environment the CLI gives a policy pack for a stack's preview: the stack's config,
    secrets decrypted (the gate's are values it made up for the run, which the pack's
    secret-values rule searches for)."""
    return {
        "PULUMI_CONFIG": json.dumps(dict(config)),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(secret_keys)),
        "PULUMI_ORGANIZATION": ORGANIZATION,
        "PULUMI_PROJECT": project,
        "PULUMI_STACK": stack,
        "PULUMI_DRY_RUN": "true",
    }


def _call(method: Any, request: Any, name: str) -> Any:
    try:
        return method(request, timeout=RPC_TIMEOUT_SECONDS)
    except grpc.RpcError as exc:
        details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
        raise AnalyzerError(f"{name} failed: {details}") from exc


def _configure_stack(stub: analyzer_pb2_grpc.AnalyzerStub, capture: Capture) -> None:
    request = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=capture.stack,
        project=capture.project,
        organization=ORGANIZATION,
        dry_run=capture.preview,
        config=dict(capture.config),
        # render masks secret config values with the placeholder; the keys are what matter here
        config_secret_keys=[k for k, v in capture.config.items() if v == SECRET_PLACEHOLDER],
    )
    try:
        stub.ConfigureStack(request, timeout=RPC_TIMEOUT_SECONDS)
    except grpc.RpcError as exc:
        if not (isinstance(exc, grpc.Call) and exc.code() == grpc.StatusCode.UNIMPLEMENTED):
            raise AnalyzerError(f"ConfigureStack failed: {exc}") from exc


def check_capture(
    capture: Capture, channel: grpc.Channel, policy_config: Mapping[str, PolicySetting]
) -> GateResult:
    """Send `capture` to the pack behind `channel`; `policy_config` as from the config file."""
    started = time.monotonic()
    stub = analyzer_pb2_grpc.AnalyzerStub(channel)
    info: analyzer_pb2.AnalyzerInfo = _call(
        stub.GetAnalyzerInfo, empty_pb2.Empty(), "GetAnalyzerInfo"
    )
    settings = reconcile(info, policy_config)
    _configure_stack(stub, capture)
    _call(stub.Configure, configure_request(settings), "Configure")

    marshaller = CaptureMarshaller(capture)
    violations: list[Violation] = []
    requests = marshaller.analyze_requests()
    for request in requests:
        response = _call(stub.Analyze, request, f"Analyze({request.urn})")
        violations += [violation(d, request.urn) for d in response.diagnostics]
    stack = marshaller.stack_resources()
    urns = {r.urn for r in stack}
    response = _call(
        stub.AnalyzeStack, analyzer_pb2.AnalyzeStackRequest(resources=stack), "AnalyzeStack"
    )
    violations += [
        violation(d, d.urn if d.urn in urns else marshaller.stack_urn) for d in response.diagnostics
    ]
    return GateResult(
        pack=info.name,
        violations=tuple(violations),
        resources=len(requests),
        seconds=time.monotonic() - started,
    )
