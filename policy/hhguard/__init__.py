"""The rules of the `honeyhive-lambda-guard` policy pack, one module per concern."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from . import archives, iam, lambda_functions, naming, stack_rules, tags

POLICIES: Final[list[Policy]] = [
    *naming.POLICIES,
    *iam.POLICIES,
    *lambda_functions.POLICIES,
    *tags.POLICIES,
    *stack_rules.POLICIES,
    *archives.POLICIES,
]
