"""The engine side of a program run: the resource monitor and the engine's log, as gRPC services
in the gate's own process, for a program that runs in a child process (runner.py).

This is how `pulumi preview` runs a Python program: the language host starts it with the
addresses of the engine's ResourceMonitor and Engine services, the SDK sends every resource,
invoke and log message there, and signals the end of the program with
`SignalAndWaitForShutdown`. Here the services answer as a preview does, offline:

- a resource gets its URN (the engine's scheme, parent types joined by `$`), and the outputs a
  preview knows: its inputs, plus the ids and ARNs AWS forms with certainty (aws_mocks.py);
  everything else the provider computes stays unknown;
- pure data sources are answered (data_sources.py), an invoke with unknown arguments is
  answered "unknown" (the engine never calls a provider with them);
- what cannot be checked offline is refused by name and recorded: other data sources, reads of
  existing resources and stack references (`ReadResource`), method calls, transforms, remote
  components, imports. A refusal fails the run even if the program catches the error it gets;
- `SignalAndWaitForShutdown` marks the run complete; anything the program sends after it is
  refused too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    resource_pb2,
    resource_pb2_grpc,
)

from harness.program.aws_mocks import Placement, created, placement
from harness.program.bounded import BoundedLines
from harness.program.data_sources import DataSourceFailed, DataSourceRefused, answer
from harness.program.deploy_time import deploy_time_problem
from harness.program.wire import (
    UNKNOWN_SENTINEL,
    contains_unknown,
    known_text,
    to_json,
    to_struct,
)

ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE: Final = "pulumi:pulumi:StackReference"
GET_RESOURCE: Final = "pulumi:pulumi:getResource"
PROVIDER_TYPE_PREFIX: Final = "pulumi:providers:"
# What the monitor tells the SDK it supports. Transforms and parameterized packages are
# advertised as the CLI advertises them, so a program behaves as under `pulumi preview`; what
# the gate cannot model is then refused by name when the program uses it.
FEATURES: Final = {
    "secrets": resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    "resourceReferences": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    "aliasSpecs": resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    "deletedWith": resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    "replaceWith": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    "replacementTrigger": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    "transforms": resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    "invokeTransforms": resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    "parameterization": resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
    "resourceHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
    "errorHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
}
_SEVERITY: Final = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}
_WORKERS: Final = 8


@dataclass(frozen=True)
class Registration:
    request: resource_pb2.RegisterResourceRequest
    urn: str
    id: str
    """"" while unknown (a preview: the resource does not exist yet)."""
    state: dict[str, Any]
    """The outputs the monitor answered, in JSON wire form."""


@dataclass
class RunRecord:
    """Everything the program sent, filled by the services (from several threads)."""

    project: str
    stack: str
    default_region: str | None
    default_accounts: list[str] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    stack_urn: str = ""
    stack_outputs: dict[str, Any] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    """Why the run cannot be checked offline, in the order it happened."""
    completed: bool = False
    log: BoundedLines = field(default_factory=BoundedLines)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_urn(self, urn: str) -> Registration | None:
        return next((r for r in self.registrations if r.urn == urn), None)

    def refuse(self, message: str) -> str:
        with self.lock:
            self.refusals.append(message)
        return message


def qualified_type(parent_urn: str, type_: str) -> str:
    """The engine's URN type: the parent's qualified type, `$`, this type (not below the stack)."""
    if not parent_urn:
        return type_
    parent_type = parent_urn.split("::")[2]
    if parent_type.rsplit("$", 1)[-1] == ROOT_STACK_TYPE:
        return type_
    return f"{parent_type}${type_}"


def _invoke_result(result: Mapping[str, Any]) -> resource_pb2.ResourceInvokeResponse:
    response = resource_pb2.ResourceInvokeResponse()
    getattr(response, "return").CopyFrom(to_struct(result))  # `return` is a Python keyword
    return response


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, record: RunRecord) -> None:
        self.record = record

    # -- helpers ------------------------------------------------------------------------------

    def _fail(self, context: grpc.ServicerContext, message: str) -> NoReturn:
        context.abort(grpc.StatusCode.FAILED_PRECONDITION, self.record.refuse(message))
        raise AssertionError("unreachable")  # abort raises

    def _check_open(self, context: grpc.ServicerContext, what: str) -> None:
        if self.record.completed:
            self._fail(
                context,
                f"the program sent {what} after it signalled that it had finished; a run must "
                "declare everything before it ends",
            )

    def _urn(self, request: Any) -> str:
        type_ = qualified_type(request.parent, request.type)
        return f"urn:pulumi:{self.record.stack}::{self.record.project}::{type_}::{request.name}"

    def _placement(self, provider_ref: str, inputs: Mapping[str, Any]) -> Placement:
        provider_urn = provider_ref.rsplit("::", 1)[0] if provider_ref else ""
        provider = self.record.by_urn(provider_urn) if provider_urn else None
        config = (
            to_json(provider.request.object)
            if provider
            else {
                "region": self.record.default_region,
                "allowedAccountIds": self.record.default_accounts,
            }
        )
        where = placement(config, self.record.default_region if provider is None else None)
        region = known_text(inputs.get("region")) or where.region
        return Placement(region=region, account=where.account)

    def _unsupported(self, request: resource_pb2.RegisterResourceRequest) -> str | None:
        label = f"{request.type} {request.name!r}"
        if request.remote:
            return (
                f"component {label} is implemented in a provider plugin (a multi-language "
                "component); its children cannot be rendered offline"
            )
        if request.importId:
            return (
                f"{label} imports the existing resource {request.importId!r}, which reads the "
                "account and cannot be checked offline"
            )
        if request.transforms:
            return (
                f"{label} has transforms; they rewrite resources inside the engine and cannot "
                "be applied offline"
            )
        return deploy_time_problem(request, self.record)

    # -- the ResourceMonitor service ----------------------------------------------------------

    def SupportsFeature(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in FEATURES)

    def GetDeploymentInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.DeploymentInfo(supportedFeatures=list(FEATURES.values()))

    def RegisterResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._check_open(context, f"resource {request.type} {request.name!r}")
        urn = self._urn(request)
        if request.type == ROOT_STACK_TYPE:
            with self.record.lock:
                self.record.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        if problem := self._unsupported(request):
            self._fail(context, problem)
        inputs = to_json(request.object)
        resource_id, state = "", {}
        if request.type.startswith(PROVIDER_TYPE_PREFIX):
            state = inputs  # a provider's outputs are its inputs
        elif request.custom:
            where = self._placement(request.provider, inputs)
            resource_id, state = created(request.type, inputs, where)
        with self.record.lock:
            if any(r.urn == urn for r in self.record.registrations):
                duplicate = True
            else:
                duplicate = False
                self.record.registrations.append(Registration(request, urn, resource_id, state))
        if duplicate:
            self._fail(context, f"duplicate resource URN {urn!r}: give each resource its own name")
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id, object=to_struct(state)
        )

    def RegisterResourceOutputs(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._check_open(context, f"the outputs of {request.urn}")
        if request.urn == self.record.stack_urn:
            with self.record.lock:
                self.record.stack_outputs = to_json(request.outputs)
        return empty_pb2.Empty()

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.type == STACK_REFERENCE_TYPE:
            self._fail(
                context,
                f"StackReference {request.id!r} reads another stack's outputs and cannot be "
                "checked offline; pass what the program needs as config",
            )
        self._fail(
            context,
            f"{request.type}.get({request.name!r}, {request.id!r}) reads an existing resource "
            "from the account and cannot be checked offline; declare it, or pass what the "
            "program needs as config",
        )

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._check_open(context, f"data source `{request.tok}`")
        args = to_json(request.args)
        if request.tok == GET_RESOURCE:
            return self._get_resource(args, context)
        if contains_unknown(args):
            # The engine never calls a provider with unknown arguments: the result is unknown.
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        try:
            result = answer(request.tok, args, self._placement(request.provider, args))
        except DataSourceRefused as exc:
            return self._invoke_failure(self.record.refuse(str(exc)))
        except DataSourceFailed as exc:
            return self._invoke_failure(str(exc))
        return _invoke_result(result)

    @staticmethod
    def _invoke_failure(reason: str) -> Any:
        return resource_pb2.ResourceInvokeResponse(
            failures=[provider_pb2.CheckFailure(property="", reason=reason)]
        )

    def _get_resource(self, args: Mapping[str, Any], context: grpc.ServicerContext) -> Any:
        found = self.record.by_urn(str(args.get("urn", "")))
        if found is None:
            self._fail(
                context,
                f"the program asked for resource {args.get('urn')!r}, which it has not registered",
            )
        return _invoke_result(
            {"urn": found.urn, "id": found.id or UNKNOWN_SENTINEL, "state": found.state}
        )

    def Call(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._fail(
            context,
            f"method `{request.tok}` runs in a provider plugin and cannot be checked offline",
        )

    def RegisterStackTransform(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._fail(
            context,
            "the program registers a stack transform; transforms rewrite resources inside the "
            "engine and cannot be applied offline",
        )

    def RegisterStackInvokeTransform(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._fail(
            context,
            "the program registers an invoke transform; transforms rewrite data source calls "
            "inside the engine and cannot be applied offline",
        )

    def RegisterResourceHook(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._fail(
            context,
            f"the program registers resource hook {request.name!r}: hooks run the program's "
            "code inside `pulumi up` (with CI's credentials and the key) where no preview "
            "shows it; remove the hook",
        )

    def RegisterErrorHook(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._fail(
            context,
            f"the program registers error hook {request.name!r}: it runs the program's code "
            "inside `pulumi up` when an operation fails; remove the hook",
        )

    def RegisterPackage(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._fail(
            context,
            f"the program registers package {request.name!r} "
            f"{request.version or '(no version)'}"
            f"{f' from {request.download_url!r}' if request.download_url else ''}: a "
            "parameterized package runs a provider plugin nobody reviewed; use pulumi-aws as "
            "pinned",
        )

    def SignalAndWaitForShutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self.record.lock:
            self.record.completed = True
        return empty_pb2.Empty()


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, record: RunRecord) -> None:
        self.record = record
        self._root = ""

    def Log(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.severity != engine_pb2.DEBUG:
            self.record.log.add(f"{_SEVERITY.get(request.severity, 'info')}: {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.RequirePulumiVersionResponse()

    def StartDebugging(self, request: Any, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()


class EngineServer:
    """The two services on a loopback port; `address` is what the program is given."""

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=_WORKERS))
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_Monitor(record), self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(record), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"

    def __enter__(self) -> EngineServer:
        self._server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.stop(grace=None)
