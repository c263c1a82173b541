"""The data sources the gate answers offline, and the refusal for every other one.

A data source that reads the account (`aws.iam.get_role`, `aws.ec2.get_vpc`, ...) has no honest
answer offline: an empty result would let a program take a branch `pulumi up` never takes, and a
made-up one would be checked as if it were real. Only pure ones are answered, exactly as the
provider answers them: `aws.iam.get_policy_document` (policy_document.py), and the caller's
account, region and partition from the provider's configuration (there is no caller offline, so
its ARN and user id name the gate; the account is the one the provider is pinned to, see
aws_mocks.py). Anything else is refused by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from harness.program.aws_mocks import Placement
from harness.program.policy_document import PolicyDocumentError, render_policy_document
from harness.program.wire import known_text

POLICY_DOCUMENT: Final = "aws:iam/getPolicyDocument:getPolicyDocument"
CALLER_IDENTITY: Final = "aws:index/getCallerIdentity:getCallerIdentity"
REGION: Final = "aws:index/getRegion:getRegion"
PARTITION: Final = "aws:index/getPartition:getPartition"
OFFLINE_CALLER: Final = "honeyhive-offline-policy-gate"

# AWS's region names (the Regions table of the AWS General Reference); getRegion returns them as
# `description`. A region outside the table is refused rather than described wrongly.
REGION_DESCRIPTIONS: Final = {
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-7": "Asia Pacific (Thailand)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "cn-north-1": "China (Beijing)",
    "cn-northwest-1": "China (Ningxia)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-central-2": "Europe (Zurich)",
    "eu-north-1": "Europe (Stockholm)",
    "eu-south-1": "Europe (Milan)",
    "eu-south-2": "Europe (Spain)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-central-1": "Middle East (UAE)",
    "me-south-1": "Middle East (Bahrain)",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "South America (Sao Paulo)",
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
}
# Partition metadata the provider reports (dnsSuffix, reverseDnsPrefix).
PARTITION_DNS: Final = {
    "aws": ("amazonaws.com", "com.amazonaws"),
    "aws-cn": ("amazonaws.com.cn", "cn.com.amazonaws"),
    "aws-us-gov": ("amazonaws.com", "com.amazonaws"),
}


class DataSourceRefused(Exception):
    """The data source cannot be answered offline; the message says why, naming it."""


class DataSourceFailed(Exception):
    """The provider itself would fail this call (e.g. an invalid policy document)."""


def _region(args: Mapping[str, Any], where: Placement) -> str:
    region = known_text(args.get("region")) or known_text(args.get("name")) or where.region
    if region is None:
        raise DataSourceRefused(
            f"data source `{REGION}` needs a region: set aws:region or the provider's region"
        )
    return region


def _caller_identity(_args: Mapping[str, Any], where: Placement) -> dict[str, Any]:
    return {
        "accountId": where.account,
        "arn": f"arn:{where.partition}:sts::{where.account}:assumed-role/{OFFLINE_CALLER}/offline",
        "id": where.account,
        "userId": f"AROAOFFLINE:{OFFLINE_CALLER}",
    }


def _get_region(args: Mapping[str, Any], where: Placement) -> dict[str, Any]:
    region = _region(args, where)
    description = REGION_DESCRIPTIONS.get(region)
    if description is None:
        raise DataSourceRefused(
            f"data source `{REGION}`: region {region!r} is not in the gate's table of AWS "
            "regions, so it cannot be described offline"
        )
    dns_suffix, _ = PARTITION_DNS[Placement(region, where.account).partition]
    return {
        "description": description,
        "endpoint": f"ec2.{region}.{dns_suffix}",
        "id": region,
        "name": region,
        "region": region,
    }


def _get_partition(_args: Mapping[str, Any], where: Placement) -> dict[str, Any]:
    partition = where.partition
    if partition not in PARTITION_DNS:
        raise DataSourceRefused(f"data source `{PARTITION}`: partition {partition!r} is not known")
    dns_suffix, reverse = PARTITION_DNS[partition]
    return {
        "dnsSuffix": dns_suffix,
        "id": partition,
        "partition": partition,
        "reverseDnsPrefix": reverse,
    }


def _policy_document(args: Mapping[str, Any], _where: Placement) -> dict[str, Any]:
    try:
        return render_policy_document(args)
    except PolicyDocumentError as exc:
        raise DataSourceFailed(str(exc)) from exc


ANSWERS: Final[Mapping[str, Callable[[Mapping[str, Any], Placement], dict[str, Any]]]] = {
    POLICY_DOCUMENT: _policy_document,
    CALLER_IDENTITY: _caller_identity,
    REGION: _get_region,
    PARTITION: _get_partition,
}


def answer(token: str, args: Mapping[str, Any], where: Placement) -> dict[str, Any]:
    """The data source's result; raises `DataSourceRefused` for one that reads the account."""
    handler = ANSWERS.get(token)
    if handler is None:
        what = "reads the account" if token.startswith("aws:") else "runs in a provider plugin"
        raise DataSourceRefused(
            f"data source `{token}` {what} and cannot be checked offline; declare what the "
            "program needs instead of looking it up, or compute it from declared resources"
        )
    return handler(args, where)
