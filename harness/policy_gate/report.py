"""Violations as the gate prints them: policy, enforcement, resource, message; then a summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pulumi.runtime.proto import analyzer_pb2

from harness.policy_gate.config import LEVEL_NAMES

MANDATORY: Final = "mandatory"


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str
    """The resource's URN (the root stack's for a violation of the stack as a whole)."""
    message: str

    @property
    def resource(self) -> str:
        """`type name` from the URN (a component's child shows only its own type)."""
        _, _, qualified_type, name = self.urn.split("::", 3)
        return f"{qualified_type.rsplit('$', 1)[-1]} {name}"

    @property
    def mandatory(self) -> bool:
        return self.enforcement == MANDATORY


def violation(diagnostic: analyzer_pb2.AnalyzeDiagnostic, urn: str) -> Violation:
    """The diagnostic, attributed to `urn`; pulumi_policy sends `description + "\\n" + message`,
    and the message alone is kept."""
    message = diagnostic.message
    prefix = diagnostic.description + "\n"
    if diagnostic.description and message.startswith(prefix):
        message = message[len(prefix) :]
    return Violation(
        policy=diagnostic.policyName,
        enforcement=LEVEL_NAMES.get(diagnostic.enforcementLevel, str(diagnostic.enforcementLevel)),
        urn=urn,
        message=message,
    )


def format_violation(item: Violation) -> str:
    return f"{item.enforcement.upper():9} {item.policy}  {item.resource}\n          {item.message}"


def summary(violations: Sequence[Violation], resources: int, seconds: float) -> str:
    mandatory = sum(v.mandatory for v in violations)
    verdict = "FAILED" if mandatory else "passed"
    return (
        f"policy gate {verdict}: {mandatory} mandatory, {len(violations) - mandatory} advisory "
        f"violation(s) over {resources} resources in {seconds:.1f}s"
    )
