"""A render capture as the engine would hand it to an analyzer.

What the engine sends (pkg/resource/deploy/step_generator.go and pkg/resource/plugin/
analyzer_plugin.go in pulumi/pulumi):

- `Analyze`, once per registered resource (components, providers and the root stack included),
  with the resource's inputs, marshalled with KeepUnknowns, KeepSecrets and SkipInternalKeys,
  and without KeepResources/KeepOutputValues: a resource reference becomes its ID (custom) or
  URN (component), an output value becomes its value (a secret if it was one, unknown if it had
  none). The provider is the provider resource's inputs (for a default provider: the stack's
  `<package>:*` config).
- `AnalyzeStack`, once, with every resource's outputs, parent, dependencies and the property
  dependencies that are not empty.

The capture holds the program's own `RegisterResourceRequest`s, so inputs are exact. Outputs are
the inputs plus what the resource monitor computed (ids and ARNs AWS forms with certainty), as
a preview of a create shows them; the rest is absent (unknown).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from pulumi.runtime.proto import analyzer_pb2, resource_pb2

from harness.program.capture import Capture, CapturedResource
from harness.program.wire import (
    OUTPUT_SIG,
    RESOURCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN_SENTINEL,
    to_json,
    to_struct,
    wire,
)

ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"

_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SECONDS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def engine_value(value: Any) -> Any:
    """A JSON-form property value as the engine marshals it for an analyzer."""
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    signature = value.get(SIG_KEY)
    if signature == RESOURCE_SIG:
        if "id" in value:  # a custom resource: its ID, unknown until it exists
            return engine_value(value["id"]) or UNKNOWN_SENTINEL
        return value["urn"]
    if signature == OUTPUT_SIG:
        if "value" not in value:
            return UNKNOWN_SENTINEL
        inner = engine_value(value["value"])
        return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
    return {
        key: engine_value(item)
        for key, item in value.items()
        if signature is not None or not key.startswith("__")
    }


def inputs_of(request: resource_pb2.RegisterResourceRequest) -> dict[str, Any]:
    properties: dict[str, Any] = engine_value(to_json(request.object))
    return properties


def provider_inputs(request: resource_pb2.RegisterResourceRequest) -> dict[str, Any]:
    """A provider's inputs as the engine records them: with the plugin `version` and
    `pluginDownloadURL` its registration asked for (providers.SetProviderVersion/URL)."""
    properties = inputs_of(request)
    if request.version:
        properties["version"] = request.version
    if request.pluginDownloadURL:
        properties["pluginDownloadURL"] = request.pluginDownloadURL
    return properties


def outputs_of(resource: CapturedResource) -> dict[str, Any]:
    """Inputs (secrets kept) plus the outputs the monitor computed (ids and ARNs)."""
    inputs = (
        provider_inputs(resource.request)
        if resource.type.startswith("pulumi:providers:")
        else inputs_of(resource.request)
    )
    computed = {k: wire(v) for k, v in resource.state.items() if k not in inputs}
    return {**inputs, **computed}


def seconds(duration: str) -> float:
    """A Go duration string (`5m`, `1h30m`) in seconds, as the engine stores custom timeouts."""
    return sum(float(n) * _SECONDS[unit] for n, unit in _DURATION_PART.findall(duration))


def options_of(
    request: resource_pb2.RegisterResourceRequest,
) -> analyzer_pb2.AnalyzerResourceOptions:
    timeouts = request.customTimeouts
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(request.protect),
        ignoreChanges=list(request.ignoreChanges),
        deleteBeforeReplace=request.deleteBeforeReplace,
        deleteBeforeReplaceDefined=request.deleteBeforeReplaceDefined,
        additionalSecretOutputs=list(request.additionalSecretOutputs),
        aliases=[*request.aliasURNs, *(a.urn for a in request.aliases if a.urn)],
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=seconds(timeouts.create),
            update=seconds(timeouts.update),
            delete=seconds(timeouts.delete),
        ),
        parent=request.parent,
    )


def urn_name(urn: str) -> str:
    """The engine's `URN.Name()`: the logical name, the part after the type."""
    return urn.split("::", 3)[3]


class CaptureMarshaller:
    """The capture's resources (plus the root stack and default providers the engine adds)."""

    def __init__(self, capture: Capture) -> None:
        self.capture = capture
        self.stack_urn = (
            f"urn:pulumi:{capture.stack}::{capture.project}::{ROOT_STACK_TYPE}"
            f"::{capture.project}-{capture.stack}"
        )
        self._by_urn = {r.urn: r for r in capture.resources}

    def _default_provider(
        self, resource: CapturedResource
    ) -> analyzer_pb2.AnalyzerProviderResource:
        package = resource.type.split(":", 1)[0]
        version = resource.request.version
        name = "default" + (f"_{re.sub(r'[.-]', '_', version)}" if version else "")
        properties: dict[str, Any] = {
            key.split(":", 1)[1]: value
            for key, value in self.capture.config.items()
            if key.startswith(f"{package}:")
        }
        if version:
            properties["version"] = version
        if url := resource.request.pluginDownloadURL:
            properties["pluginDownloadURL"] = url
        return analyzer_pb2.AnalyzerProviderResource(
            type=f"pulumi:providers:{package}",
            properties=to_struct(properties),
            urn=f"urn:pulumi:{self.capture.stack}::{self.capture.project}::"
            f"pulumi:providers:{package}::{name}",
            name=name,
        )

    def provider_of(
        self, resource: CapturedResource
    ) -> analyzer_pb2.AnalyzerProviderResource | None:
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            return None
        provider = self._by_urn.get(resource.provider_urn)
        if provider is None:
            return self._default_provider(resource)
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.type,
            properties=to_struct(provider_inputs(provider.request)),
            urn=provider.urn,
            name=urn_name(provider.urn),
        )

    def _root_stack_request(self) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(
            type=ROOT_STACK_TYPE,
            properties=to_struct({}),
            urn=self.stack_urn,
            name=urn_name(self.stack_urn),
            options=analyzer_pb2.AnalyzerResourceOptions(),
        )

    def analyze_requests(self) -> list[analyzer_pb2.AnalyzeRequest]:
        requests = [self._root_stack_request()]
        for resource in self.capture.resources:
            inputs = (
                provider_inputs(resource.request)
                if resource.type.startswith("pulumi:providers:")
                else inputs_of(resource.request)
            )
            request = analyzer_pb2.AnalyzeRequest(
                type=resource.type,
                properties=to_struct(inputs),
                urn=resource.urn,
                name=urn_name(resource.urn),
                options=options_of(resource.request),
            )
            if provider := self.provider_of(resource):
                request.provider.CopyFrom(provider)
            requests.append(request)
        return requests

    def stack_resources(self) -> Sequence[analyzer_pb2.AnalyzerResource]:
        root = analyzer_pb2.AnalyzerResource(
            type=ROOT_STACK_TYPE,
            properties=to_struct(wire(self.capture.outputs)),
            urn=self.stack_urn,
            name=urn_name(self.stack_urn),
            options=analyzer_pb2.AnalyzerResourceOptions(),
        )
        resources = [root]
        for captured in self.capture.resources:
            resource = analyzer_pb2.AnalyzerResource(
                type=captured.type,
                properties=to_struct(outputs_of(captured)),
                urn=captured.urn,
                name=urn_name(captured.urn),
                options=options_of(captured.request),
                parent=captured.parent,
                dependencies=list(captured.dependencies),
            )
            for key, urns in captured.property_dependencies.items():
                if urns:
                    resource.propertyDependencies[key].urns.extend(urns)
            if provider := self.provider_of(captured):
                resource.provider.CopyFrom(provider)
            resources.append(resource)
        return resources
