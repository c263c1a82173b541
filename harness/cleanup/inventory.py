"""What the test bed left in an AWS account: every `honeyhive-*` function, layer version, role
and log group, with the facts the sweeper and the leak check decide on.

Functions, roles and log groups carry the provider's default tags. Lambda layers cannot be
tagged, so a layer version's description names its stack (`infra.spec.LAYER_DESCRIPTION_TEMPLATE`)
but no expiry (a new one would replace the layer on every CI run): a layer version expires with
its stack, once no function, role or log group of that stack is live (or `never`), and once it
is older than LAYER_GRACE (a deploy publishes the layers before it creates the functions).
Descriptions of layers published before carry `expires-at=`, which still decides for them. A
description that does not parse is kept as `unparsed` and nothing is concluded from it.

Only the services' own list/tag calls are used (no Resource Groups Tagging API): they are the
calls the deployer role is scoped for, they cover IAM roles (a global service) and layers
(untaggable), and moto implements every one of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from harness.cleanup.errors import RegionError
from infra.naming import BRANCH_STACK_PREFIX
from infra.spec import (
    EXPIRES_AT_FORMAT,
    LAYER_DESCRIPTION_TEMPLATE,
    LOG_GROUP_PREFIX,
    NAME_PREFIX,
    NEVER_EXPIRES,
    TAG_EXPIRES_AT,
    TAG_STACK,
)

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import LayerVersionsListItemTypeDef
    from mypy_boto3_logs import CloudWatchLogsClient


class ResourceKind(Enum):
    """Resource kinds, in the order they are deleted (users before what they use)."""

    FUNCTION = "function"
    LAYER_VERSION = "layer version"
    LOG_GROUP = "log group"
    ROLE = "role"


@dataclass(frozen=True)
class Resource:
    kind: ResourceKind
    name: str
    arn: str
    tags: Mapping[str, str] = field(default_factory=dict)
    layer_version: int = 0
    unparsed: str | None = None
    """A layer description that does not follow the template (then `tags` is empty)."""
    created: datetime | None = None
    """When a layer version was published."""

    @property
    def label(self) -> str:
        shown = (
            f"{self.name}:{self.layer_version}"
            if self.kind is ResourceKind.LAYER_VERSION
            else self.name
        )
        return f"{self.kind.value} {shown}"


class Expiry(Enum):
    EXPIRED = "expired"
    LIVE = "live"
    NEVER = "never"
    MISSING = "no expiry"
    MALFORMED = "malformed expiry"


LAYER_GRACE = timedelta(hours=1)
"""A layer version this young is kept even when its stack has nothing else yet."""


def live_stacks(found: Iterable[Resource], now: datetime) -> frozenset[str]:
    """The stacks with a function, role or log group that is live or never expires."""
    return frozenset(
        stack
        for resource in found
        if resource.kind is not ResourceKind.LAYER_VERSION
        and (stack := stack_of(resource)) is not None
        and expiry(resource, now)[0] in {Expiry.LIVE, Expiry.NEVER}
    )


def _layer_expiry(resource: Resource, now: datetime, live: frozenset[str]) -> tuple[Expiry, str]:
    """A layer version without its own expiry lives as long as its stack."""
    stack = stack_of(resource)
    if stack in live:
        return Expiry.LIVE, f"stack {stack} is live"
    if resource.created is None or now - resource.created < LAYER_GRACE:
        return Expiry.LIVE, f"published less than {LAYER_GRACE} ago"
    return Expiry.EXPIRED, f"stack {stack} has no live function, role or log group"


def is_ephemeral(resource: Resource) -> bool:
    """Whether the resource belongs to one of CI's per-branch stacks, by its stack tag or by its
    name (`honeyhive-gh-...`; a layer whose description does not parse has only its name)."""
    stack = resource.tags.get(TAG_STACK) or ""
    bare = resource.name.removeprefix(LOG_GROUP_PREFIX)
    return stack.startswith(BRANCH_STACK_PREFIX) or bare.startswith(
        NAME_PREFIX + BRANCH_STACK_PREFIX
    )


def expiry(
    resource: Resource, now: datetime, live: frozenset[str] = frozenset()
) -> tuple[Expiry, str]:
    """Whether `resource` is past its `honeyhive:expires-at`, with the reason in words; a layer
    version without one, by its stack (`live`: `live_stacks`). On a per-branch stack an expiry
    that does not parse, or `never`, counts as past: CI's stacks must expire (infra/settings.py),
    and one that says otherwise must not outlive the sweeper."""
    state, why = _expiry(resource, now, live)
    if state in (Expiry.MALFORMED, Expiry.NEVER) and is_ephemeral(resource):
        return Expiry.EXPIRED, f"{why}, on a per-branch ({BRANCH_STACK_PREFIX}*) stack"
    return state, why


def _expiry(resource: Resource, now: datetime, live: frozenset[str]) -> tuple[Expiry, str]:
    if resource.unparsed is not None:
        return Expiry.MALFORMED, f"description {resource.unparsed!r} does not parse"
    value = resource.tags.get(TAG_EXPIRES_AT)
    if value is None and resource.kind is ResourceKind.LAYER_VERSION:
        return _layer_expiry(resource, now, live)
    if value is None:
        return Expiry.MISSING, f"no {TAG_EXPIRES_AT} tag"
    if value == NEVER_EXPIRES:
        return Expiry.NEVER, f"{TAG_EXPIRES_AT}={NEVER_EXPIRES}"
    try:
        at = datetime.strptime(value, EXPIRES_AT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        why = f"{TAG_EXPIRES_AT}={value!r} is neither YYYY-MM-DDTHH:MM:SSZ nor {NEVER_EXPIRES!r}"
        return Expiry.MALFORMED, why
    if at <= now:
        return Expiry.EXPIRED, f"expired at {value}"
    return Expiry.LIVE, f"expires at {value}"


def stack_of(resource: Resource) -> str | None:
    return resource.tags.get(TAG_STACK)


_LAYER_DESCRIPTION = re.compile(
    "^"
    + re.escape(LAYER_DESCRIPTION_TEMPLATE)
    .replace(re.escape("{stack}"), "(?P<stack>[^;]+)")
    # Layers published before carry `expires-at` after the stack (and, before descriptions
    # named their SDK, end there).
    .replace(re.escape("; sdk={sdk}"), "(?:; expires-at=(?P<expires_at>[^;]+))?(?:; sdk=[^;]*)?")
    + "$"
)


def layer_tags(description: str) -> dict[str, str] | None:
    """The tags a layer description stands in for, or None when it does not parse."""
    match = _LAYER_DESCRIPTION.match(description)
    if match is None:
        return None
    tags = {TAG_STACK: match["stack"]}
    if match["expires_at"] is not None:
        tags[TAG_EXPIRES_AT] = match["expires_at"]
    return tags


T = TypeVar("T")
_GONE = frozenset({"ResourceNotFoundException", "NoSuchEntity"})


def is_gone(error: Exception) -> bool:
    """A NotFound from AWS: the resource went away (a destroy, the sweeper) after it was listed."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in _GONE


def _unless_gone(read: Callable[..., T], **kwargs: Any) -> T | None:
    """`read(**kwargs)`, or None when its resource vanished between the list call and this one;
    one such resource must not hide the others of its kind."""
    try:
        return read(**kwargs)
    except Exception as error:
        if is_gone(error):
            return None
        raise


def functions(client: LambdaClient) -> Iterator[Resource]:
    for page in client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            name, arn = function["FunctionName"], function["FunctionArn"]
            if not name.startswith(NAME_PREFIX):
                continue
            response = _unless_gone(client.list_tags, Resource=arn)
            if response is not None:
                yield Resource(ResourceKind.FUNCTION, name, arn, response.get("Tags", {}))


def _all_versions(client: LambdaClient, name: str) -> list[LayerVersionsListItemTypeDef]:
    pages = client.get_paginator("list_layer_versions").paginate(LayerName=name)
    return [version for page in pages for version in page["LayerVersions"]]


def layer_versions(client: LambdaClient) -> Iterator[Resource]:
    """Every version of every `honeyhive-*` layer (ListLayers only shows the latest)."""
    for page in client.get_paginator("list_layers").paginate():
        for layer in page["Layers"]:
            name = layer["LayerName"]
            if not name.startswith(NAME_PREFIX):
                continue
            for version in _unless_gone(_all_versions, client=client, name=name) or []:
                description = version.get("Description", "")
                tags = layer_tags(description)
                yield Resource(
                    ResourceKind.LAYER_VERSION,
                    name,
                    version["LayerVersionArn"],
                    tags or {},
                    layer_version=version["Version"],
                    unparsed=None if tags is not None else description,
                    created=_published(version.get("CreatedDate")),
                )


def _published(text: str | None) -> datetime | None:
    """Lambda's CreatedDate (ISO 8601, e.g. 2026-12-07T15:10:45.123+0000), or None."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None


def roles(client: IAMClient) -> Iterator[Resource]:
    for page in client.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            if not name.startswith(NAME_PREFIX):
                continue
            response = _unless_gone(client.list_role_tags, RoleName=name)
            if response is not None:
                tags = {t["Key"]: t["Value"] for t in response["Tags"]}
                yield Resource(ResourceKind.ROLE, name, role["Arn"], tags)


def log_groups(client: CloudWatchLogsClient) -> Iterator[Resource]:
    prefix = f"{LOG_GROUP_PREFIX}{NAME_PREFIX}"
    for page in client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
        for group in page["logGroups"]:
            # Tag calls take the ARN without the trailing `:*` that `arn` carries.
            arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
            response = _unless_gone(client.list_tags_for_resource, resourceArn=arn)
            if response is not None:
                yield Resource(
                    ResourceKind.LOG_GROUP, group["logGroupName"], arn, response.get("tags", {})
                )


@dataclass(frozen=True)
class Clients:
    lambda_: LambdaClient
    iam: IAMClient
    logs: CloudWatchLogsClient
    region: str


def connect(region: str | None) -> Clients:
    """Clients for `region`, else AWS_REGION (which botocore ignores), else the region boto3
    finds itself (AWS_DEFAULT_REGION, ~/.aws/config)."""
    import boto3  # noqa: PLC0415  (boto3 is slow to import; only commands that talk to AWS pay)

    session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
    if not session.region_name:
        raise RegionError(
            "no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION"
        )
    return Clients(
        lambda_=session.client("lambda"),
        iam=session.client("iam"),
        logs=session.client("logs"),
        region=session.region_name,
    )


def inventory(clients: Clients) -> tuple[list[Resource], list[str]]:
    """Every `honeyhive-*` resource, and one error line per kind that could not be listed
    (the other kinds are still listed)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    listings: list[tuple[ResourceKind, Iterator[Resource]]] = [
        (ResourceKind.FUNCTION, functions(clients.lambda_)),
        (ResourceKind.LAYER_VERSION, layer_versions(clients.lambda_)),
        (ResourceKind.LOG_GROUP, log_groups(clients.logs)),
        (ResourceKind.ROLE, roles(clients.iam)),
    ]
    found: list[Resource] = []
    errors: list[str] = []
    for kind, listing in listings:
        try:
            found.extend(listing)
        except (ClientError, BotoCoreError) as error:
            errors.append(f"could not list {kind.value}s in {clients.region}: {error}")
    return found, errors
