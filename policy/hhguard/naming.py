"""AWS names: the `honeyhive-` prefix, AWS lengths and charsets, and no auto-naming.

Every AWS resource with a name is checked (the types below by their own lengths and charsets,
any other by its `name`'s prefix). The CI role may only touch `honeyhive-*` resources, so a name
without the prefix fails at deploy time with AccessDenied; an auto-generated name
(`<logical name>-<7 hex>`) is unpredictable and collides across stacks' logical names. Both are
caught here, before anything is created.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import LAMBDA_LOG_GROUP_PREFIX, PREFIX_SCHEMA
from .values import is_unknown, text, unverifiable


@dataclass(frozen=True)
class NameSpec:
    key: str
    """The input that holds the AWS name."""
    prefix_key: str | None
    """The input that asks the provider to generate a name from a prefix, if the type has one."""
    max_length: int
    what: str


NAMED: Final[Mapping[str, NameSpec]] = {
    t.FUNCTION: NameSpec("name", None, 64, "Lambda function name"),
    t.ROLE: NameSpec("name", "namePrefix", 64, "IAM role name"),
    t.ROLE_POLICY: NameSpec("name", "namePrefix", 128, "IAM role policy name"),
    t.POLICY: NameSpec("name", "namePrefix", 128, "IAM policy name"),
    t.LAYER_VERSION: NameSpec("layerName", None, 140, "Lambda layer name"),
    t.LOG_GROUP: NameSpec("name", "namePrefix", 512, "log group name"),
    t.BUCKET: NameSpec("bucket", "bucketPrefix", 63, "S3 bucket name"),
    t.BUCKET_V2: NameSpec("bucket", "bucketPrefix", 63, "S3 bucket name"),
}

_NAME_CHARS: Final = re.compile(r"[A-Za-z0-9_-]+")
_BUCKET_CHARS: Final = re.compile(r"[a-z0-9.-]+")
_BUCKET_MIN: Final = 3
_BUCKET_BAD_PREFIXES: Final = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_BAD_SUFFIXES: Final = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# What pulumi-aws generates when a name is left out: the logical name, "-", 7 hex digits.
_AUTONAME_SUFFIX: Final = r"-[0-9a-f]{7}"


def _bad_chars(name: str, allowed: re.Pattern[str]) -> str:
    return "".join(sorted({c for c in name if not allowed.fullmatch(c)}))


def _prefix_problem(what: str, name: str, prefix: str) -> str:
    return (
        f"{what} {name!r} does not start with {prefix!r}: the CI role may only touch "
        f"{prefix}* resources, so rename it to {prefix}<stack>-<purpose>"
    )


def _length_problem(what: str, name: str, max_length: int) -> str:
    return (
        f"{what} {name!r} is {len(name)} characters; AWS allows at most {max_length}: "
        "shorten it (truncate and add a short hash to keep it unique)"
    )


def bucket_name_problems(name: str, prefix: str) -> Iterator[str]:
    what = "S3 bucket name"
    if not name.startswith(prefix):
        yield _prefix_problem(what, name, prefix)
    if not _BUCKET_MIN <= len(name) <= NAMED[t.BUCKET].max_length:
        yield f"{what} {name!r} is {len(name)} characters; S3 requires 3 to 63"
    if bad := _bad_chars(name, _BUCKET_CHARS):
        yield f"{what} {name!r} contains {bad!r}; use only lowercase letters, digits, '-' and '.'"
    if name and not (name[0].isalnum() and name[-1].isalnum()):
        yield f"{what} {name!r} must begin and end with a lowercase letter or digit"
    if ".." in name:
        yield f"{what} {name!r} contains '..'; S3 refuses adjacent periods"
    try:
        ipaddress.IPv4Address(name)
        yield f"{what} {name!r} is formatted as an IP address, which S3 refuses"
    except ValueError:
        pass
    for bad_prefix in _BUCKET_BAD_PREFIXES:
        if name.startswith(bad_prefix):
            yield f"{what} {name!r} starts with {bad_prefix!r}, which S3 reserves"
    for bad_suffix in _BUCKET_BAD_SUFFIXES:
        if name.endswith(bad_suffix):
            yield f"{what} {name!r} ends with {bad_suffix!r}, which S3 reserves"


def log_group_name_problems(name: str, prefix: str) -> Iterator[str]:
    what = NAMED[t.LOG_GROUP].what
    expected = LAMBDA_LOG_GROUP_PREFIX + prefix
    if not name.startswith(expected):
        yield (
            f"{what} {name!r} does not start with {expected!r}: Lambda logs to "
            f"{LAMBDA_LOG_GROUP_PREFIX}<function name> and the CI role may only touch "
            f"{expected}*; name it {LAMBDA_LOG_GROUP_PREFIX}<function name>"
        )
    if len(name) > NAMED[t.LOG_GROUP].max_length:
        yield _length_problem(what, name, NAMED[t.LOG_GROUP].max_length)
    function_part = name.removeprefix(LAMBDA_LOG_GROUP_PREFIX)
    if name.startswith(LAMBDA_LOG_GROUP_PREFIX) and (bad := _bad_chars(function_part, _NAME_CHARS)):
        yield (
            f"{what} {name!r} contains {bad!r} after {LAMBDA_LOG_GROUP_PREFIX!r}; "
            "use only letters, digits, '-' and '_' (a function name)"
        )


def name_problems(resource_type: str, name: str, prefix: str) -> Iterator[str]:
    """Everything wrong with `name` as the AWS name of a `resource_type`."""
    if resource_type in (t.BUCKET, t.BUCKET_V2):
        yield from bucket_name_problems(name, prefix)
        return
    if resource_type == t.LOG_GROUP:
        yield from log_group_name_problems(name, prefix)
        return
    spec = NAMED[resource_type]
    if not name.startswith(prefix):
        yield _prefix_problem(spec.what, name, prefix)
    if len(name) > spec.max_length:
        yield _length_problem(spec.what, name, spec.max_length)
    if bad := _bad_chars(name, _NAME_CHARS):
        yield f"{spec.what} {name!r} contains {bad!r}; use only letters, digits, '-' and '_'"


def check_names(resource: Resource, settings: Settings) -> Iterator[str]:
    """Every AWS resource that has a name: the types in NAMED by their own rules, any other
    by its `name` (the prefix, since each service has its own lengths and characters)."""
    if not resource.is_aws:
        return
    spec = NAMED.get(resource.type)
    key = spec.key if spec else "name"
    value = resource.props.get(key)
    if is_unknown(value):
        yield unverifiable(f"the name (`{key}`)")
        return
    name, prefix = text(value), str(settings["prefix"])
    if name is None:
        return
    if spec:
        yield from name_problems(resource.type, name, prefix)
    elif not name.startswith(prefix):
        yield _prefix_problem(f"{resource.type} name", name, prefix)


def check_explicit_names(resource: Resource, _settings: Settings) -> Iterator[str]:
    if not resource.is_aws:
        return
    spec = NAMED.get(resource.type)
    props = resource.props
    if spec is None:
        if props.get("namePrefix") is not None:
            yield (
                f"the name is generated from namePrefix={props['namePrefix']!r} (auto-naming); "
                "set `name` to an explicit name instead"
            )
        return
    if spec.prefix_key and props.get(spec.prefix_key) is not None:
        yield (
            f"{spec.what} is generated from {spec.prefix_key}={props[spec.prefix_key]!r} "
            f"(auto-naming); set `{spec.key}` to an explicit name instead"
        )
    name = props.get(spec.key)
    if name is None:
        if not (spec.prefix_key and spec.prefix_key in props):
            yield (
                f"{spec.what} is not set, so the provider would generate one from the logical "
                f"name {resource.name!r}; set `{spec.key}` explicitly, e.g. "
                "honeyhive-<stack>-<purpose>"
            )
    elif not is_unknown(name) and re.fullmatch(
        re.escape(resource.name) + _AUTONAME_SUFFIX, str(name)
    ):
        yield (
            f"{spec.what} {name!r} is what the provider generates from the logical name "
            f"{resource.name!r} (auto-naming); set `{spec.key}` explicitly"
        )


POLICIES: Final = [
    resource_policy(
        "resource-names",
        "AWS names start with the prefix and fit AWS's length and charset rules",
        check_names,
        config=PREFIX_SCHEMA,
    ),
    resource_policy(
        "explicit-names",
        "AWS names are explicit: no auto-naming (name left out, namePrefix, bucketPrefix)",
        check_explicit_names,
    ),
]
