"""The rules of the `honeyhive-lambda-guard` policy pack, one module per concern."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from . import (
    archives,
    expiry,
    extras,
    iam,
    lambda_functions,
    managed_policies,
    naming,
    providers,
    resource_policies,
    resource_types,
    role_links,
    secret_values,
    snapstart,
    stack_rules,
    tags,
    teardown,
    trust,
)

POLICIES: Final[list[Policy]] = [
    *resource_types.POLICIES,
    *naming.POLICIES,
    *iam.POLICIES,
    *managed_policies.POLICIES,
    *trust.POLICIES,
    *resource_policies.POLICIES,
    *lambda_functions.POLICIES,
    *tags.POLICIES,
    *expiry.POLICIES,
    *stack_rules.POLICIES,
    *archives.POLICIES,
    *snapstart.POLICIES,
    *providers.POLICIES,
    *extras.POLICIES,
    *teardown.POLICIES,
    *role_links.POLICIES,
    *secret_values.POLICIES,
]
