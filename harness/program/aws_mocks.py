"""What AWS computes for a resource at create time, where it is certain: ids and ARNs.

A preview knows a resource's inputs, not what the provider computes when it creates it; those
outputs are unknown (`pulumi preview` shows them as "output<string>"). The resource monitor
leaves them unknown too, except the ids and ARNs below: AWS forms them from the name, the
partition, the region and the account, so they are known before the resource exists, and the
program's links (a function's role ARN, a log group's ARN in a policy) stay checkable. A value is
computed only from known, plain inputs; a name that is itself unknown or secret leaves the ARN
unknown. The account is the provider's first `allowedAccountIds` entry, else AWS's documentation
account (there is no caller offline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from harness.program.wire import known_text

DOCUMENTATION_ACCOUNT: Final = "123456789012"

_State = dict[str, Any]


@dataclass(frozen=True)
class Placement:
    """Where a resource (or a data source call) lives: its provider's region and account."""

    region: str | None
    account: str

    @property
    def partition(self) -> str:
        return partition_of(self.region or "")


def partition_of(region: str) -> str:
    """The partition of a region (`aws` for commercial regions and when it is not known)."""
    for prefix, partition in (
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
        ("us-gov-", "aws-us-gov"),
        ("cn-", "aws-cn"),
    ):
        if region.startswith(prefix):
            return partition
    return "aws"


def placement(provider_inputs: Mapping[str, Any], default_region: str | None) -> Placement:
    """The region and account a provider's resources get (`region`, `allowedAccountIds`)."""
    region = known_text(provider_inputs.get("region")) or default_region
    accounts = provider_inputs.get("allowedAccountIds")
    first = accounts[0] if isinstance(accounts, list) and accounts else None
    return Placement(region=region, account=known_text(first) or DOCUMENTATION_ACCOUNT)


def _iam_arn(where: Placement, kind: str, name: str, path: Any) -> str:
    prefix = known_text(path) or "/"
    return f"arn:{where.partition}:iam::{where.account}:{kind}{prefix}{name}"


def _lambda_function(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    name = known_text(inputs.get("name"))
    if name is None or where.region is None:
        return "", {}
    arn = f"arn:{where.partition}:lambda:{where.region}:{where.account}:function:{name}"
    version = "1" if inputs.get("publish") is True else "$LATEST"  # a new function's first
    return name, {
        "arn": arn,
        "qualifiedArn": f"{arn}:{version}",
        "invokeArn": _invoke_arn(where, arn),
        "version": version,
    }


def _invoke_arn(where: Placement, arn: str) -> str:
    return (
        f"arn:{where.partition}:apigateway:{where.region}:lambda:path/2015-03-31/"
        f"functions/{arn}/invocations"
    )


def _lambda_alias(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    """An alias's ARN is its function's, qualified by the alias name."""
    function, name = known_text(inputs.get("functionName")), known_text(inputs.get("name"))
    if function is None or name is None or where.region is None:
        return "", {}
    arn = f"arn:{where.partition}:lambda:{where.region}:{where.account}:function:{function}:{name}"
    return arn, {"arn": arn, "invokeArn": _invoke_arn(where, arn)}


def _layer_version(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    """A layer's first version is 1 (this gate previews a stack that does not exist yet)."""
    name = known_text(inputs.get("layerName"))
    if name is None or where.region is None:
        return "", {}
    layer_arn = f"arn:{where.partition}:lambda:{where.region}:{where.account}:layer:{name}"
    arn = f"{layer_arn}:1"
    return arn, {"arn": arn, "layerArn": layer_arn, "version": "1"}


def _iam_named(kind: str, id_is_arn: bool) -> Callable[[Mapping[str, Any], Placement], Any]:
    def computed(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
        name = known_text(inputs.get("name"))
        if name is None:
            return "", {}
        arn = _iam_arn(where, kind, name, inputs.get("path"))
        return (arn if id_is_arn else name), {"arn": arn}

    return computed


def _role_policy(inputs: Mapping[str, Any], _where: Placement) -> tuple[str, _State]:
    role, name = known_text(inputs.get("role")), known_text(inputs.get("name"))
    return (f"{role}:{name}" if role and name else ""), {}


def _log_group(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    name = known_text(inputs.get("name"))
    if name is None or where.region is None:
        return "", {}
    arn = f"arn:{where.partition}:logs:{where.region}:{where.account}:log-group:{name}"
    return name, {"arn": arn}


def _bucket(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    bucket = known_text(inputs.get("bucket"))
    if bucket is None:
        return "", {}
    return bucket, {"arn": f"arn:{where.partition}:s3:::{bucket}"}


def _bucket_setting(inputs: Mapping[str, Any], _where: Placement) -> tuple[str, _State]:
    """A bucket's versioning, encryption, public access block, ownership: id = the bucket."""
    return known_text(inputs.get("bucket")) or "", {}


def _oidc_provider(inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    url = known_text(inputs.get("url"))
    if url is None:
        return "", {}
    parts = urlsplit(url if "://" in url else f"https://{url}")
    arn = f"arn:{where.partition}:iam::{where.account}:oidc-provider/{parts.netloc}{parts.path}"
    return arn, {"arn": arn}


COMPUTED: Final[Mapping[str, Callable[[Mapping[str, Any], Placement], tuple[str, _State]]]] = {
    "aws:lambda/function:Function": _lambda_function,
    "aws:lambda/layerVersion:LayerVersion": _layer_version,
    "aws:lambda/alias:Alias": _lambda_alias,
    "aws:iam/role:Role": _iam_named("role", id_is_arn=False),
    "aws:iam/policy:Policy": _iam_named("policy", id_is_arn=True),
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:s3/bucketVersioning:BucketVersioning": _bucket_setting,
    "aws:s3/bucketVersioningV2:BucketVersioningV2": _bucket_setting,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _bucket_setting
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _bucket_setting,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _bucket_setting,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
}


def created(type_: str, inputs: Mapping[str, Any], where: Placement) -> tuple[str, _State]:
    """The id ("" = unknown) and the outputs of a resource a preview would create: its inputs
    echoed (the engine's preview of a create) plus what AWS computes with certainty."""
    computed = COMPUTED.get(type_)
    resource_id, state = computed(inputs, where) if computed else ("", {})
    return resource_id, {**inputs, **state}
