"""Pulumi's wire format for property values, read without the Pulumi runtime.

A program sends its resources' properties as protobuf `Struct`s; `json_format.MessageToDict`
turns one into JSON, where special values are objects tagged with a signature
(sdk/go/common/resource/sig/sig.go in pulumi/pulumi) and a value not known during a preview is
the unknown sentinel string. The resource monitor and the policy gate work on that JSON form,
so nothing here depends on the SDK's global runtime settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from google.protobuf import json_format, struct_pb2

from harness.program.capture import UNKNOWN, Archive
from harness.secret import Secret

SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
ARCHIVE_SIG: Final = "0def7320c3a5731c473e5ecbe6d01bc7"
ASSET_SIG: Final = "c44067f5952c0a294b673a41bacd8c17"
RESOURCE_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG: Final = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN_SENTINEL: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""What the SDK sends for a value that is not known yet (a preview)."""


def to_json(struct: struct_pb2.Struct) -> dict[str, Any]:
    value: dict[str, Any] = json_format.MessageToDict(struct)
    return value


def to_struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(dict(properties))
    return result


def contains_unknown(value: Any) -> bool:
    """Whether any part of a JSON-form value is not known yet."""
    if value == UNKNOWN_SENTINEL:
        return True
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    if isinstance(value, dict):
        if value.get(SIG_KEY) == OUTPUT_SIG and "value" not in value:
            return True
        return any(contains_unknown(v) for v in value.values())
    return False


def known_text(value: Any) -> str | None:
    """A JSON-form value that is a known, non-secret string; else None."""
    return value if isinstance(value, str) and value != UNKNOWN_SENTINEL else None


def _archive(value: Mapping[str, Any]) -> Any:
    if "path" in value:
        return Archive(path=Path(str(value["path"])))
    assets = value.get("assets")
    if isinstance(assets, dict):
        return Archive(
            assets={
                name: Path(str(asset["path"]))
                for name, asset in assets.items()
                if isinstance(asset, dict) and "path" in asset
            }
        )
    return Archive()


def _lifted(value: Any) -> Any:
    """A container holding a secret is a secret as a whole, as the SDK deserializes it (so a
    function's `environment` that holds the API key is never shown in part)."""
    items = value.values() if isinstance(value, dict) else value
    if not any(isinstance(v, Secret) for v in items):
        return value
    if isinstance(value, dict):
        return Secret({k: v.reveal() if isinstance(v, Secret) else v for k, v in value.items()})
    return Secret([v.reveal() if isinstance(v, Secret) else v for v in value])


def plain(value: Any) -> Any:
    """A JSON-form value as the harness holds it: secrets are `Secret`, archives `Archive`,
    unknowns `UNKNOWN`, a resource reference its ID (custom) or URN (component), and integral
    numbers `int` (the wire has only doubles; the engine prints 256, not 256.0)."""
    if value == UNKNOWN_SENTINEL:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return _lifted([plain(v) for v in value])
    if not isinstance(value, dict):
        return value
    signature = value.get(SIG_KEY)
    if signature == SECRET_SIG:
        return Secret(plain(value.get("value")))
    if signature == ARCHIVE_SIG:
        return _archive(value)
    if signature == ASSET_SIG:
        return Path(str(value.get("path", "")))
    if signature == RESOURCE_SIG:
        if "id" not in value:
            return value.get("urn", "")  # a component: the engine sends its URN
        return plain(value["id"]) or UNKNOWN  # a custom resource: its ID, unknown until created
    if signature == OUTPUT_SIG:
        if "value" not in value:
            return UNKNOWN
        inner = plain(value["value"])
        return Secret(inner) if value.get("secret") else inner
    return _lifted({key: plain(item) for key, item in value.items()})


def plain_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's properties (a `Struct` as JSON) as `plain` values; the object itself is
    never made a secret as a whole, only the values in it."""
    return {key: plain(value) for key, value in properties.items()}


def wire(value: Any) -> Any:
    """A plain value (`Secret`, `Archive`, `UNKNOWN`, ...) back in its JSON wire form."""
    if value is UNKNOWN:
        return UNKNOWN_SENTINEL
    if isinstance(value, Secret):
        return {SIG_KEY: SECRET_SIG, "value": wire(value.reveal())}
    if isinstance(value, Archive):
        if value.path is not None:
            return {SIG_KEY: ARCHIVE_SIG, "path": str(value.path)}
        assets = {k: {SIG_KEY: ASSET_SIG, "path": str(p)} for k, p in value.assets.items()}
        return {SIG_KEY: ARCHIVE_SIG, "assets": assets}
    if isinstance(value, Mapping):
        return {str(k): wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
