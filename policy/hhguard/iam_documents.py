"""IAM policy documents, in any form a program may give them, reduced to their statements.

A document may be a JSON string (`json.dumps`, `aws.iam.get_policy_document(...).json`) or an
object (pulumi-aws accepts a `PolicyDocument` dict). IAM compares action names case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from .values import decode_json_object, is_unknown, strings

ALLOW: Final = "Allow"


class DocumentError(ValueError):
    """The document cannot be read as an IAM policy; the message says why."""


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principal: Any
    not_principal: Any

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"

    @property
    def allows(self) -> bool:
        return self.effect == ALLOW


def statements(document: Any) -> list[Statement] | None:
    """The document's statements; None when the document is not known yet (preview)."""
    try:
        decoded = decode_json_object(document)
    except ValueError as exc:
        raise DocumentError(f"not a JSON policy document ({exc})") from exc
    if decoded is None or is_unknown(decoded):
        return None
    raw = decoded.get("Statement")
    if is_unknown(raw):
        return None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise DocumentError("the document has no Statement list")
    result = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        result.append(
            Statement(
                index=index,
                sid=item["Sid"] if isinstance(item.get("Sid"), str) else "",
                effect=item["Effect"] if isinstance(item.get("Effect"), str) else "",
                actions=tuple(strings(item.get("Action"))),
                not_actions=tuple(strings(item.get("NotAction"))),
                resources=tuple(strings(item.get("Resource"))),
                not_resources=tuple(strings(item.get("NotResource"))),
                principal=item.get("Principal"),
                not_principal=item.get("NotPrincipal"),
            )
        )
    return result


def is_wildcard_action(action: str) -> bool:
    """`*`, `service:*`, or a `*` in the service part (`*:GetObject`)."""
    service, _, name = action.strip().partition(":")
    return action.strip() == "*" or name == "*" or "*" in service


def is_wildcard_resource(resource: str) -> bool:
    """`*`, or an ARN that leaves the service open (`arn:aws:*:...`)."""
    resource = resource.strip()
    parts = resource.split(":")
    return resource == "*" or (len(parts) > 2 and parts[0] == "arn" and parts[2] in ("*", ""))


def principals(principal: Any) -> Iterator[tuple[str, str]]:
    """(kind, value) pairs of a Principal: `"*"` is ("*", "*"); {"Service": [...]} etc."""
    if isinstance(principal, str):
        yield ("*" if principal == "*" else "AWS", principal)
    elif isinstance(principal, dict):
        for kind, values in principal.items():
            for value in strings(values):
                yield kind, value
