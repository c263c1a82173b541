"""aws-provider-config: what the AWS provider itself is told, explicit or default.

An AWS provider's settings decide where every API call goes and with which credentials: an
`endpoints` entry or a proxy sends the CreateFunction (with the HoneyHive key in its environment)
to whoever it names, `accessKey`/`assumeRoles`/`profile` swap CI's identity, `insecure` drops TLS
verification, a `version` or `pluginDownloadURL` runs a provider binary nobody reviewed with CI's
credentials. So the provider's inputs are an allowlist (limits.PROVIDER_PROPERTIES), each with
the values it may take; everything else is a violation, named.

An explicit provider (`aws.Provider(...)`) is judged on its own resource. A default provider's
inputs are the stack's `aws:*` config (`Pulumi.yaml`'s `config:` and the stack file), which the
engine sends as the provider of every resource it serves: they are judged on those resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from . import aws_types as t
from .framework import Resource, Settings, StackResource, resource_policy, stack_policy
from .limits import PROVIDER_PROPERTIES, PROVIDER_SCHEMA, REGION_PATTERN
from .values import has_unknown, is_unknown

DEFAULT_PROVIDER_PREFIX: Final = "default"
_ACCOUNT: Final = re.compile(r"^[0-9]{12}$")


def _as_text(value: Any) -> str:
    """A setting as the provider reads it: config values are strings, inputs may be bools."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _accounts(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def property_problems(
    props: Mapping[str, Any], settings: Settings, namespace: str = ""
) -> Iterator[str]:
    """Every input of an AWS provider outside the allowlist, or with a value it may not take
    (`namespace`: how the key is shown, `aws:` for stack config)."""
    for name in sorted(props):
        value, key = props[name], f"{namespace}{name}"
        if name not in PROVIDER_PROPERTIES:
            yield (
                f"sets {key!r}, which the AWS provider may not be given here (it can send API "
                "calls, the function's environment with the key, or CI's credentials elsewhere, "
                f"or run other code): remove it; allowed are {sorted(PROVIDER_PROPERTIES)}"
            )
            continue
        if has_unknown(value):
            yield f"{key} is not known at preview, so it cannot be checked: make it a literal"
            continue
        allowed = PROVIDER_PROPERTIES[name]
        if allowed is not None and _as_text(value) not in allowed:
            yield f"{key} = {_as_text(value)!r} is not allowed: set it to {' or '.join(allowed)}"
        elif name == "region" and not re.match(REGION_PATTERN, _as_text(value)):
            yield f"{key} {value!r} is not an AWS region name: set it to e.g. us-east-1"
        elif name == "version" and _as_text(value) != str(settings["providerVersion"]):
            yield (
                f"asks for pulumi-aws version {value!r}, not the pinned "
                f"{settings['providerVersion']!r}: a provider binary nobody reviewed would run "
                "with CI's credentials; remove the version option"
            )
        elif name == "allowedAccountIds":
            accounts = _accounts(value)
            if not (
                isinstance(accounts, list)
                and len(accounts) == 1
                and isinstance(accounts[0], str)
                and _ACCOUNT.match(accounts[0])
            ):
                yield (
                    f"{key} {accounts!r} must name exactly one 12-digit account "
                    "(the stack's own): a second account widens what the rules call 'own'"
                )


def check_provider_config(resource: Resource, settings: Settings) -> Iterator[str]:
    if resource.type == t.AWS_PROVIDER:
        if is_unknown(resource.props):
            yield "the provider's inputs are not known at preview: make them literals"
            return
        for problem in property_problems(resource.props, settings):
            yield f"AWS provider {resource.name!r}: {problem}"
        return
    if resource.is_aws and resource.provider_name.startswith(DEFAULT_PROVIDER_PREFIX):
        for problem in property_problems(resource.provider_props or {}, settings, "aws:"):
            yield (
                "its default AWS provider (the stack's `aws:*` config, from Pulumi.yaml or "
                f"Pulumi.<stack>.yaml): {problem}"
            )


def check_one_account(
    resources: Sequence[StackResource], _settings: Settings
) -> Iterator[tuple[str, str]]:
    """Every provider of the stack is pinned to the same account: two providers pinned to two
    accounts would make both "the stack's own" to the rules that trust it (iam-role-trust)."""
    pins: list[tuple[str, str]] = []
    for resource in resources:
        if resource.type == t.AWS_PROVIDER:
            accounts = _accounts(resource.props.get("allowedAccountIds"))
        else:
            accounts = resource.allowed_accounts
        if isinstance(accounts, list):
            pins += [(resource.urn, a) for a in accounts if isinstance(a, str)]
    accounts = sorted({account for _, account in pins})
    for urn, account in pins:
        if account != accounts[0]:
            yield (
                urn,
                (
                    f"pins account {account}, while another provider of the stack pins "
                    f"{accounts[0]}: one stack, one account; pin every provider "
                    "(allowedAccountIds) to the same one"
                ),
            )


POLICIES: Final = [
    resource_policy(
        "aws-provider-config",
        "AWS providers (explicit or from `aws:*` config) set only the region, default tags, one "
        "account pin and the pinned version",
        check_provider_config,
        config=PROVIDER_SCHEMA,
    ),
    stack_policy(
        "aws-provider-account",
        "Every AWS provider of the stack is pinned to the same account",
        check_one_account,
    ),
]
