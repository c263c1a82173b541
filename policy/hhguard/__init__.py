"""The rules of the `honeyhive-lambda-guard` policy pack, one module per concern."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from . import (
    archives,
    expiry,
    iam,
    lambda_functions,
    managed_policies,
    naming,
    resource_policies,
    resource_types,
    snapstart,
    stack_rules,
    tags,
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
]
