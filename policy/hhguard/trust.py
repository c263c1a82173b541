"""iam-role-trust: who may assume each role the stack declares.

Every role: no one at large (`"*"`, `{"AWS": "*"}`), no account outside the stack's own (the
accounts its providers are pinned to and its ARNs name), no federated identity without a
Condition (an OIDC provider trusts every repository and token on it unless the statement
narrows `sub`/`aud`), no NotPrincipal, no CanonicalUser. A role a function uses (linked by the
ARN the function names) is trusted only by lambda.amazonaws.com, for sts:AssumeRole only.
A function whose role is unknown at preview, or not declared here, cannot be checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .iam_documents import (
    DocumentError,
    Kind,
    Statement,
    arn_account,
    is_arn,
    is_public,
    principals,
    statements,
)
from .stack_links import Stack, label
from .values import is_unknown, unverifiable

LAMBDA_SERVICE: Final = "lambda.amazonaws.com"
ASSUME_ROLE: Final = "sts:assumerole"

Violations = Iterator[tuple[str, str]]


def _account_problem(kind: str, value: str, own: set[str]) -> str | None:
    account = arn_account(value)
    if account is None:
        return None if kind == "Federated" else f"trusts {kind} {value!r}, which names no account"
    if not own:
        return (
            f"trusts {kind} {value!r}; cannot verify that account {account} is this stack's: "
            "pin the provider to it (allowedAccountIds)"
        )
    if account not in own:
        return f"trusts account {account} ({kind} {value!r}), outside this stack's {sorted(own)}"
    return None


def principal_problems(statement: Statement, own: set[str]) -> Iterator[str]:
    """What lets a principal outside the stack assume the role."""
    if statement.not_principal is not None:
        yield f"trust {statement.label} uses NotPrincipal, which trusts everyone else"
    for kind, value in principals(statement.principal):
        if is_public(kind, value):
            yield f"trust {statement.label} trusts anyone ({kind} {value!r})"
        elif kind == "CanonicalUser":
            yield f"trust {statement.label} trusts CanonicalUser {value!r}; name an IAM principal"
        elif kind == "Federated" and not statement.condition:
            yield (
                f"trust {statement.label} trusts federated {value!r} with no Condition, so every "
                "identity of that provider may assume the role: add conditions on its claims "
                "(e.g. token.actions.githubusercontent.com:sub)"
            )
        names_account = kind == "AWS" or (kind == "Federated" and is_arn(value))
        problem = _account_problem(kind, value, own) if names_account else None
        if problem and not is_public(kind, value):
            yield f"trust {statement.label} {problem}"


def lambda_only_problems(found: Sequence[Statement]) -> Iterator[str]:
    """What lets anything but Lambda assume a function's role, or keeps Lambda from it."""
    trusts_lambda = False
    for statement in (s for s in found if s.allows):
        others = [
            f"{kind}:{value}"
            for kind, value in principals(statement.principal)
            if (kind, value) != ("Service", LAMBDA_SERVICE)
        ]
        if others:
            yield (
                f"trust {statement.label} also trusts {others}; a Lambda role must be trusted "
                f"only by Service {LAMBDA_SERVICE}"
            )
        actions = [a for a in statement.actions if a.lower() != ASSUME_ROLE]
        actions += [f"NotAction {a}" for a in statement.not_actions]
        if actions:
            yield f"trust {statement.label} allows {actions}; allow only sts:AssumeRole"
        if ("Service", LAMBDA_SERVICE) in set(principals(statement.principal)):
            trusts_lambda = True
    if not trusts_lambda:
        yield f"the trust policy does not let {LAMBDA_SERVICE} assume the role"


def _function_roles(stack: Stack) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Role URN -> the functions that use it; and (function URN, problem) for the rest."""
    users: dict[str, list[str]] = {}
    problems: list[tuple[str, str]] = []
    for function in stack.of_type(t.FUNCTION):
        role = stack.role_of(function)
        if is_unknown(role):
            problems.append(
                (function.urn, unverifiable(f"the role of function {label(function)!r}"))
            )
        elif isinstance(role, str):
            problems.append(
                (
                    function.urn,
                    f"function {label(function)!r} uses role {role!r}, which is not declared in "
                    "this stack, so its trust policy cannot be checked: declare the role in the "
                    "program",
                )
            )
        elif isinstance(role, StackResource):
            users.setdefault(role.urn, []).append(label(function))
    return users, problems


def check_role_trust(resources: Sequence[StackResource], _settings: Settings) -> Violations:
    stack = Stack(resources)
    own = stack.own_accounts()
    users, problems = _function_roles(stack)
    yield from problems
    for role in stack.of_type(t.ROLE):
        try:
            found = statements(role.props.get("assumeRolePolicy"), Kind.TRUST)
        except DocumentError:
            continue  # reported by iam-policy-documents
        if found is None:
            continue  # unknown: reported by iam-policy-documents
        used_by = f" (used by {users[role.urn]})" if role.urn in users else ""
        for statement in (s for s in found if s.allows):
            for problem in principal_problems(statement, own):
                yield role.urn, f"role {label(role)!r}{used_by}: {problem}"
        if role.urn in users:
            for problem in lambda_only_problems(found):
                yield role.urn, f"role {label(role)!r}{used_by}: {problem}"


POLICIES: Final = [
    stack_policy(
        "iam-role-trust",
        "Every role is trusted by no one at large, no foreign account, no unconditioned "
        "federation; a function's role only by lambda.amazonaws.com",
        check_role_trust,
    ),
]
