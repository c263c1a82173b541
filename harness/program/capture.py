"""What a program run under Pulumi's mocks declared: the data shared by render, policy and local.

`harness.program.render.render()` produces a `Capture`. The policy gate replays its resources to the
policy pack over the analyzer protocol (it needs the raw `RegisterResourceRequest`s); the local
runtime reads the functions, their archives and environment from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pulumi.runtime.proto import resource_pb2

from harness.secret import SECRET_PLACEHOLDER, Secret


class _Unknown:
    """A value not known during a preview (an output the provider computes on create)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()
UNKNOWN_PLACEHOLDER: Final = "[unknown]"
"""How output (render --json) shows a value not known during a preview."""


@dataclass(frozen=True)
class Archive:
    """A Pulumi archive input: a file/directory `path`, or `assets` (name -> file path)."""

    path: Path | None = None
    assets: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class CapturedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    """The provider reference as the engine sees it: `<provider urn>::<provider id>`, or ""."""
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]
    inputs: Mapping[str, Any]
    """Inputs as plain Python values; secrets are `Secret`, archives are `Archive`."""
    state: Mapping[str, Any]
    """What the mock returned for the resource (inputs plus computed ids and ARNs)."""
    id: str
    request: resource_pb2.RegisterResourceRequest = field(repr=False)
    """The request exactly as the program sent it (secrets still signed in `object`)."""

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass(frozen=True)
class Capture:
    project: str
    stack: str
    program_dir: Path
    config: Mapping[str, str]
    resources: tuple[CapturedResource, ...]
    outputs: Mapping[str, Any]
    """Root stack outputs as plain Python values (secrets are `Secret`)."""
    messages: tuple[str, ...] = ()
    """What the program logged (`pulumi.log`), e.g. warnings."""
    preview: bool = True
    """Whether the program ran as a preview (`is_dry_run()`), else as `up`."""

    def __iter__(self) -> Iterator[CapturedResource]:
        return iter(self.resources)

    def of_type(self, type_: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_]

    def by_urn(self, urn: str) -> CapturedResource:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise KeyError(urn)


def to_jsonable(value: Any) -> Any:
    """Plain JSON for a captured value: secrets become "[secret]", archives name their files."""
    if isinstance(value, Secret):
        return SECRET_PLACEHOLDER
    if value is UNKNOWN:
        return UNKNOWN_PLACEHOLDER
    if isinstance(value, Archive):
        if value.path is not None:
            return {"archive": {"path": str(value.path)}}
        return {"archive": {"assets": {k: str(v) for k, v in sorted(value.assets.items())}}}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def reveal(value: Any) -> Any:
    """The same value with every `Secret` replaced by what it hides (for the local runtime)."""
    if isinstance(value, Secret):
        return reveal(value.reveal())
    if isinstance(value, Mapping):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value
