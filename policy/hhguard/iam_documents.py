"""IAM policy documents read as IAM reads them: validated, reduced to statements, and their
action and resource patterns classified.

A document may be a JSON string (`json.dumps`, `aws.iam.get_policy_document(...).json`) or an
object (pulumi-aws accepts a `PolicyDocument` dict). It is refused (`DocumentError`) where IAM
would refuse it or where two readers could disagree: a duplicate key (JSON parsers keep
different ones), an unknown element, an `Effect` other than `Allow`/`Deny`, an action without a
service, a resource that is neither `*` nor an ARN, a Principal in an identity policy or none
in a trust or resource-based policy.

IAM matches action names case-insensitively, and `*` and `?` in them as wildcards: a pattern
that matches every action of a service (`iam:*`, `iam:**`, `lambda:*?`) or a wildcard in the
service (`*:Get*`) is a whole-service wildcard; anything else with a wildcard (`s3:Get*`) is
partial.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from .values import has_unknown, strings

ALLOW: Final = "Allow"
EFFECTS: Final = ("Allow", "Deny")
VERSIONS: Final = ("2008-10-17", "2012-10-17")
_DOCUMENT_KEYS: Final = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS: Final = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
PRINCIPAL_KINDS: Final = ("AWS", "Service", "Federated", "CanonicalUser")
_ACTION: Final = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")
_WILDCARD: Final = re.compile(r"[*?]")
_ACCOUNT: Final = re.compile(r"^[0-9]{12}$")


class Kind(Enum):
    IDENTITY = "identity policy"
    TRUST = "trust policy"
    RESOURCE = "resource-based policy"

    @property
    def article(self) -> str:
        return "an" if self.value[0] in "aeiou" else "a"


class DocumentError(ValueError):
    """The document is not a valid IAM policy; the message says why."""


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
    condition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"

    @property
    def allows(self) -> bool:
        return self.effect == ALLOW

    def condition_keys(self) -> set[str]:
        """Every condition key the statement tests, lowercased (IAM keys ignore case)."""
        return {
            key.lower()
            for tests in self.condition.values()
            if isinstance(tests, dict)
            for key in tests
        }


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if duplicate := next((k for k in keys if keys.count(k) > 1), None):
        raise DocumentError(f"the key {duplicate!r} appears twice in one object")
    return dict(pairs)


def _decode(document: Any) -> Any:
    if isinstance(document, str):
        try:
            return json.loads(document, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"not JSON ({exc.msg} at character {exc.pos})") from exc
    return document


def _string_or_list(statement: dict[str, Any], key: str, label: str) -> tuple[str, ...]:
    value = statement.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DocumentError(f"{label}: {key} must be a string or a non-empty list of strings")


def _check_principal(value: Any, key: str, label: str) -> None:
    if value is None or value == "*":
        return
    if not isinstance(value, dict) or not value:
        raise DocumentError(f'{label}: {key} must be "*" or an object keyed by principal type')
    for kind, ids in value.items():
        if kind not in PRINCIPAL_KINDS:
            raise DocumentError(
                f"{label}: {key} type {kind!r} is not one of {list(PRINCIPAL_KINDS)}"
            )
        if not (
            isinstance(ids, str)
            or (isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids))
        ):
            raise DocumentError(f"{label}: {key} {kind} must be a string or a list of strings")


def _check_condition(value: Any, label: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise DocumentError(f"{label}: Condition must be an object of operator -> {{key: value}}")
    return value


def _exactly_one(statement: dict[str, Any], keys: tuple[str, str], label: str) -> None:
    present = [k for k in keys if k in statement]
    if len(present) != 1:
        raise DocumentError(f"{label}: needs exactly one of {keys[0]} or {keys[1]}")


def _statement(index: int, raw: Any, kind: Kind) -> Statement:
    label = f"statement #{index + 1}"
    if not isinstance(raw, dict):
        raise DocumentError(f"{label} is not an object")
    if unknown := sorted(set(raw) - _STATEMENT_KEYS):
        raise DocumentError(f"{label} has unknown elements {unknown}")
    sid = raw.get("Sid", "")
    if not isinstance(sid, str):
        raise DocumentError(f"{label}: Sid must be a string")
    label = f"statement {sid!r}" if sid else label
    effect = raw.get("Effect")
    if effect not in EFFECTS:
        raise DocumentError(f"{label}: Effect is {effect!r}; IAM accepts only 'Allow' or 'Deny'")
    _exactly_one(raw, ("Action", "NotAction"), label)
    actions = _string_or_list(raw, "Action", label)
    not_actions = _string_or_list(raw, "NotAction", label)
    if bad := [a for a in (*actions, *not_actions) if a != "*" and not _ACTION.match(a)]:
        raise DocumentError(f"{label}: {bad[0]!r} is not an action (service:Name, or '*')")
    resources = _string_or_list(raw, "Resource", label)
    not_resources = _string_or_list(raw, "NotResource", label)
    if bad := [r for r in (*resources, *not_resources) if r != "*" and not is_arn(r)]:
        raise DocumentError(f"{label}: resource {bad[0]!r} is neither '*' nor an ARN")
    principals = [k for k in ("Principal", "NotPrincipal") if k in raw]
    if kind is Kind.IDENTITY:
        _exactly_one(raw, ("Resource", "NotResource"), label)
        if principals:
            raise DocumentError(f"{label}: an identity policy has no {principals[0]}")
    else:
        if len(principals) != 1:
            raise DocumentError(
                f"{label}: a {kind.value} needs exactly one Principal or NotPrincipal"
            )
        if kind is Kind.TRUST and (resources or not_resources):
            raise DocumentError(f"{label}: a trust policy has no Resource")
    for key in principals:
        _check_principal(raw[key], key, label)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        principal=raw.get("Principal"),
        not_principal=raw.get("NotPrincipal"),
        condition=_check_condition(raw.get("Condition"), label),
    )


def statements(document: Any, kind: Kind = Kind.IDENTITY) -> list[Statement] | None:
    """The document's statements; None when it is not known yet (a preview). Raises
    `DocumentError` when IAM would refuse it."""
    if document is None or has_unknown(document):
        return None
    decoded = _decode(document)
    if not isinstance(decoded, dict):
        raise DocumentError(f"expected a JSON object, got {type(decoded).__name__}")
    if unknown := sorted(set(decoded) - _DOCUMENT_KEYS):
        raise DocumentError(f"unknown top-level elements {unknown}")
    version = decoded.get("Version")
    if version is not None and version not in VERSIONS:
        raise DocumentError(f"Version {version!r} is not one of {list(VERSIONS)}")
    raw = decoded.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise DocumentError("the document has no Statement")
    return [_statement(index, item, kind) for index, item in enumerate(raw)]


def is_arn(value: str) -> bool:
    return value.startswith("arn:") and value.count(":") >= 5


def action_scope(action: str) -> str:
    """'all' (every action of a service or more), 'partial' (a wildcard within a service's
    actions) or 'exact'."""
    action = action.strip()
    if action == "*":
        return "all"
    service, _, name = action.partition(":")
    if _WILDCARD.search(service) or (name and not _WILDCARD.sub("", name) and "*" in name):
        return "all"
    return "partial" if _WILDCARD.search(name) else "exact"


def arn_wildcards(resource: str) -> list[str]:
    """The parts of a resource that a wildcard opens up: 'everything' for "*", else any of
    'service' (or partition), 'region', 'account', 'resource type'. A wildcard in a resource's
    name (`function:honeyhive-*`) is not listed: it is the way to scope a grant by prefix."""
    resource = resource.strip()
    if resource == "*":
        return ["everything"]
    if not is_arn(resource):
        return []
    _, partition, service, region, account, rest = resource.split(":", 5)
    found = []
    if _WILDCARD.search(partition) or _WILDCARD.search(service):
        found.append("service")
    if _WILDCARD.search(region):
        found.append("region")
    if _WILDCARD.search(account):
        found.append("account")
    first = re.split(r"[:/]", rest, maxsplit=1)[0]
    if not _WILDCARD.sub("", first) or (service != "s3" and _WILDCARD.search(first)):
        found.append("resource type")
    return found


_LOG_STREAMS: Final = re.compile(r"^log-group:[^*?]+:\*$")


def name_wildcard(resource: str, prefix: str | None) -> bool:
    """Whether a wildcard opens the resource's name (`function:*`, `role/*`, `secret:x*`): it
    matches resources this stack does not declare. Two forms are not: the log streams of one
    named log group (`log-group:<name>:*`), and, with `prefix`, a name that starts with it before
    the first wildcard (`role/honeyhive-*`, the CI deployer's scope over every stack)."""
    if not is_arn(resource):
        return False
    service, rest = resource.split(":", 5)[2], resource.split(":", 5)[5]
    if not _WILDCARD.search(rest) or _LOG_STREAMS.match(rest):
        return False
    if prefix is None:
        return True
    literal = _WILDCARD.split(rest, maxsplit=1)[0]
    if service != "s3":  # an S3 ARN starts with the bucket's name; others with a type
        literal = re.split(r"[:/]", literal, maxsplit=1)[-1]
    name = literal.removeprefix("/aws/lambda/")
    return not name.startswith(prefix)


def arn_account(value: str) -> str | None:
    """The account of an account id or ARN principal (`123456789012`, `arn:...:123...:root`)."""
    if _ACCOUNT.match(value):
        return value
    if is_arn(value):
        account = value.split(":")[4]
        return account if _ACCOUNT.match(account) else None
    return None


def principals(principal: Any) -> Iterator[tuple[str, str]]:
    """(kind, value) pairs of a Principal: `"*"` is ("*", "*"); {"Service": [...]} etc."""
    if isinstance(principal, str):
        yield ("*" if principal == "*" else "AWS", principal)
    elif isinstance(principal, dict):
        for kind, values in principal.items():
            for value in strings(values):
                yield kind, value


def is_public(kind: str, value: str) -> bool:
    """A principal that is anyone: `"*"` or `{"AWS": "*"}`."""
    return value == "*" and kind in ("*", "AWS")
