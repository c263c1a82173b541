"""What AWS would compute for the resources we declare (ids and ARNs), for Pulumi's mocks.

Only the computed attributes our programs read are filled in; everything else echoes the
inputs, as the engine does for a successful create.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

ACCOUNT_ID = "123456789012"  # AWS's documentation account
PARTITION = "aws"

_State = dict[str, Any]


def _name(args: MockResourceArgs, key: str = "name") -> str:
    return str(args.inputs.get(key) or f"{args.name}-generated")


def _lambda_function(args: MockResourceArgs, region: str) -> tuple[str, _State]:
    name = _name(args)
    arn = f"arn:{PARTITION}:lambda:{region}:{ACCOUNT_ID}:function:{name}"
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": (
            f"arn:{PARTITION}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ),
        "version": "$LATEST",
    }


def _layer_version(args: MockResourceArgs, region: str) -> tuple[str, _State]:
    layer_arn = f"arn:{PARTITION}:lambda:{region}:{ACCOUNT_ID}:layer:{_name(args, 'layerName')}"
    arn = f"{layer_arn}:1"
    return arn, {"arn": arn, "layerArn": layer_arn, "version": "1"}


def _iam_role(args: MockResourceArgs, _region: str) -> tuple[str, _State]:
    name = _name(args)
    return name, {"name": name, "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/{name}"}


def _iam_policy(args: MockResourceArgs, _region: str) -> tuple[str, _State]:
    name = _name(args)
    arn = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:policy/{name}"
    return arn, {"name": name, "arn": arn}


def _role_policy(args: MockResourceArgs, _region: str) -> tuple[str, _State]:
    name = _name(args)
    return f"{args.inputs.get('role', '')}:{name}", {"name": name}


def _log_group(args: MockResourceArgs, region: str) -> tuple[str, _State]:
    name = _name(args)
    return name, {
        "name": name,
        "arn": f"arn:{PARTITION}:logs:{region}:{ACCOUNT_ID}:log-group:{name}",
    }


def _bucket(args: MockResourceArgs, _region: str) -> tuple[str, _State]:
    bucket = _name(args, "bucket")
    return bucket, {"bucket": bucket, "arn": f"arn:{PARTITION}:s3:::{bucket}"}


def _oidc_provider(args: MockResourceArgs, _region: str) -> tuple[str, _State]:
    host = urlsplit(str(args.inputs.get("url", ""))).netloc or str(args.inputs.get("url", ""))
    arn = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:oidc-provider/{host}"
    return arn, {"arn": arn}


_COMPUTED: Mapping[str, Callable[[MockResourceArgs, str], tuple[str, _State]]] = {
    "aws:lambda/function:Function": _lambda_function,
    "aws:lambda/layerVersion:LayerVersion": _layer_version,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
}


class AwsMocks(Mocks):
    def __init__(self, region: str) -> None:
        self.region = region

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        computed = _COMPUTED.get(args.typ)
        if computed is None:
            return f"{args.name}-id", dict(args.inputs)
        resource_id, state = computed(args, self.region)
        return resource_id, {**args.inputs, **state}

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/offline",
                "userId": "AIDAOFFLINE",
                "id": ACCOUNT_ID,
            }, None
        if token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}, None
        if token == "aws:index/getPartition:getPartition":
            return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION}, None
        return {}, None
