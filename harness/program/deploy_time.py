"""Resource options that act at `pulumi up` or `pulumi destroy` and never show in a preview.

The analyzer protocol does not carry them, so the policy pack cannot judge them; the resource
monitor refuses them by name (the run then fails, as for anything that cannot be checked):

- resource hooks (`ResourceOptions(hooks=...)`): the program's own code, run by the engine at
  `up`/`destroy` with CI's credentials, where the gate never sees it run;
- `retain_on_delete` and `deleted_with`: the resource stays in AWS after `pulumi destroy`;
- `env_var_mappings`: the provider reads another environment variable in place of one it knows
  (a proxy, an endpoint, credentials);
- a provider plugin from a URL (`plugin_download_url`, checksums) or of another version than the
  pinned pulumi-aws: a binary nobody reviewed, run with CI's credentials;
- an alias naming another stack's or project's resource: this stack would adopt it.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Final, Protocol

from pulumi.runtime.proto import resource_pb2

AWS_PACKAGE: Final = "aws"
_HOOK_KINDS: Final = (
    "before_create",
    "after_create",
    "before_update",
    "after_update",
    "before_delete",
    "after_delete",
    "on_error",
)


class _Run(Protocol):
    project: str
    stack: str


def pinned_aws_version() -> str:
    """The pulumi-aws this gate runs (requirements.txt pins it; the program gets the same)."""
    return version("pulumi_aws")


def _package(type_: str) -> str:
    return type_.removeprefix("pulumi:providers:").split(":", 1)[0]


def _alias_problem(alias_urn: str, spec_stack: str, spec_project: str, run: _Run) -> str | None:
    if alias_urn:
        parts = alias_urn.removeprefix("urn:pulumi:").split("::")
        spec_stack, spec_project = parts[0], parts[1] if len(parts) > 1 else ""
    foreign = [
        f"{what} {value!r}"
        for what, value, own in (
            ("stack", spec_stack, run.stack),
            ("project", spec_project, run.project),
        )
        if value and value != own
    ]
    return " and ".join(foreign) if foreign else None


def deploy_time_problem(request: resource_pb2.RegisterResourceRequest, run: _Run) -> str | None:
    """Why the resource's options cannot be judged offline (None: they can)."""
    label = f"{request.type} {request.name!r}"
    hooks = [kind for kind in _HOOK_KINDS if getattr(request.hooks, kind)]
    if hooks:
        return (
            f"{label} has resource hooks ({', '.join(hooks)}): they run the program's code "
            "inside `pulumi up`/`destroy` with CI's credentials, unseen by any preview; remove "
            "the hooks option"
        )
    if request.retainOnDelete:
        return (
            f"{label} sets retain_on_delete: `pulumi destroy` would leave it in AWS; remove "
            "the option"
        )
    if request.deletedWith:
        return (
            f"{label} sets deleted_with={request.deletedWith!r}: `pulumi destroy` would skip "
            "deleting it and leave it in AWS; remove the option"
        )
    if request.envVarMappings:
        return (
            f"{label} sets env_var_mappings {sorted(request.envVarMappings)}: the provider would "
            "read other environment variables in their place; remove the option"
        )
    if request.pluginDownloadURL or request.pluginChecksums:
        return (
            f"{label} asks for a provider plugin from {request.pluginDownloadURL or 'a checksum'}"
            ": a binary nobody reviewed would run with CI's credentials; remove "
            "plugin_download_url"
        )
    pinned = pinned_aws_version()
    if _package(request.type) == AWS_PACKAGE and request.version not in ("", pinned):
        return (
            f"{label} asks for pulumi-aws {request.version!r}, not the pinned {pinned!r}: a "
            "provider binary nobody reviewed would run with CI's credentials; remove the "
            "version option"
        )
    for urn in request.aliasURNs:
        if foreign := _alias_problem(urn, "", "", run):
            return f"{label} has alias {urn!r}, a resource of {foreign}: remove the alias"
    for alias in request.aliases:
        spec = alias.spec
        if foreign := _alias_problem(alias.urn, spec.stack, spec.project, run):
            return f"{label} has an alias to a resource of {foreign}: remove the alias"
    return None
