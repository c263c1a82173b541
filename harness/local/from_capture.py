"""Local function specs from what the program declared (a render `Capture`).

Each `aws:lambda/function:Function` becomes a `FunctionConfig` with the same name, handler,
runtime, architecture, memory, timeout, ephemeral storage, environment (secrets revealed), log
group and format, tags (its provider's `defaultTags` under its own, as AWS merges them), and the
same code archive; its layer ARNs are resolved to the `LayerVersion` whose `arn` they are, and
so to the artefact that resource uploads (`code` = the layer zip).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.local.config import FunctionConfig
from harness.local.errors import CaptureError
from harness.program.capture import Archive, Capture, CapturedResource, reveal
from infra.spec import DEFAULT_REGION

FUNCTION_TYPE = "aws:lambda/function:Function"
LAYER_TYPE = "aws:lambda/layerVersion:LayerVersion"
ALIAS_TYPE = "aws:lambda/alias:Alias"
SNAPSTART_ON = {"applyOn": "PublishedVersions"}


def specs_from_capture(capture: Capture) -> list[FunctionConfig]:
    layers = {
        str(layer.state.get("arn")): _layer_zip(layer) for layer in capture.of_type(LAYER_TYPE)
    }
    region = str(capture.outputs.get("region") or capture.config.get("aws:region") or "")
    providers = {resource.urn: resource for resource in capture.resources}
    aliases = {
        str(reveal(alias.inputs).get("functionName")): str(reveal(alias.inputs).get("name"))
        for alias in capture.of_type(ALIAS_TYPE)
    }
    return [
        _spec(
            function,
            layers,
            region or DEFAULT_REGION,
            _default_tags(providers.get(function.provider_urn)),
            aliases,
        )
        for function in capture.of_type(FUNCTION_TYPE)
    ]


def _default_tags(provider: CapturedResource | None) -> dict[str, str]:
    """The provider's `defaultTags.tags` (its inputs hold them as JSON text)."""
    if provider is None:
        return {}
    value = reveal(provider.inputs).get("defaultTags")
    document = json.loads(value) if isinstance(value, str) else value or {}
    return {str(k): str(v) for k, v in (document.get("tags") or {}).items()}


def _spec(
    function: CapturedResource,
    layers: Mapping[str, Path],
    region: str,
    default_tags: Mapping[str, str],
    aliases: Mapping[str, str],
) -> FunctionConfig:
    inputs = reveal(function.inputs)  # a secret value makes its whole object secret
    name = str(inputs.get("name") or function.state.get("name"))
    layer_arns = tuple(str(arn) for arn in inputs.get("layers") or [])
    missing = [arn for arn in layer_arns if arn not in layers]
    if missing:
        raise CaptureError(
            f"function {name} uses layer(s) {missing} that the program does not declare"
        )
    for arn in layer_arns:
        if not layers[arn].is_file():
            raise CaptureError(
                f"function {name} needs the layer artefact {layers[arn]}, which does not exist: "
                "build it first (`make layer`, or `python -m layer --runtime <runtime>`)"
            )
    logging = inputs.get("loggingConfig") or {}
    environment = (inputs.get("environment") or {}).get("variables") or {}
    tags = {**default_tags, **{str(k): str(v) for k, v in (inputs.get("tags") or {}).items()}}
    return FunctionConfig(
        name=name,
        handler=str(inputs["handler"]),
        code=_code(name, inputs.get("code")),
        runtime=str(inputs.get("runtime")),
        architecture=str((inputs.get("architectures") or ["x86_64"])[0]),
        memory_size=int(inputs.get("memorySize") or 128),
        timeout=int(inputs.get("timeout") or 3),
        ephemeral_storage=int((inputs.get("ephemeralStorage") or {}).get("size") or 512),
        environment={str(k): str(v) for k, v in environment.items()},
        layers=tuple(layers[arn] for arn in layer_arns),
        layer_arns=layer_arns,
        log_group=str(logging.get("logGroup") or ""),
        log_format=str(logging.get("logFormat") or "Text"),
        region=region,
        arn=str(function.state.get("arn") or ""),
        role=str(inputs.get("role") or ""),
        description=str(inputs.get("description") or ""),
        tags=tags,
        snap_start_alias=aliases.get(name, "") if inputs.get("snapStart") == SNAPSTART_ON else "",
    )


def _code(name: str, code: Any) -> Path | Mapping[str, Path]:
    if not isinstance(code, Archive):
        raise CaptureError(f"function {name} has no code archive (got {code!r})")
    if code.path is not None:
        return code.path
    return dict(code.assets)


def _layer_zip(layer: CapturedResource) -> Path:
    code = layer.inputs.get("code")
    if not isinstance(code, Archive) or code.path is None:
        raise CaptureError(f"layer {layer.name} has no file archive as its code (got {code!r})")
    return code.path
