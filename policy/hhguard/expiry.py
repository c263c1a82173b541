"""stack-expiry: every resource is tagged to be swept within the maximum TTL.

The sweeper deletes what carries a `honeyhive:expires-at` time in the past; `never` keeps a stack
(the reference `ci` stack, the bootstrap). An expiry far ahead keeps a stack, and the HoneyHive
key in its functions, beyond the sweeper for as long; one already past has the sweeper delete a
stack in use. So an expiry must lie between now and now + maxTtlHours (the pack reads the clock,
or `asOf`), and CI's per-branch stacks (named with `ephemeralStackPrefix`) must set one. Each
distinct problem is reported once, on the first resource that carries it. Layer versions cannot
be tagged: their description names their stack (as the sweeper and the leak check read it) and
no expiry, since the sweeper expires a layer version with its stack; a description that does not
have that form, or names another stack, could outlive the stack, and is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from . import aws_types as t
from .framework import Settings, StackResource, stack_policy
from .limits import EXPIRY_SCHEMA, LAYER_DESCRIPTION_TEMPLATE, REQUIRED_TAGS
from .tags import effective_tags, is_taggable
from .values import fmt, is_unknown, unverifiable

EXPIRES_AT_TAG: Final = REQUIRED_TAGS[2]
NEVER: Final = "never"
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
_LAYER_DESCRIPTION: Final = re.compile(
    "^"
    + re.escape(LAYER_DESCRIPTION_TEMPLATE)
    .replace(re.escape("{stack}"), "(?P<stack>[^;]+)")
    .replace(re.escape("{sdk}"), "[^;]*")
    + "$"
)


def now(settings: Settings) -> datetime:
    """The `asOf` setting when set, else the clock (UTC)."""
    as_of = str(settings.get("asOf") or "")
    return datetime.strptime(as_of, TIME_FORMAT).replace(tzinfo=UTC) if as_of else datetime.now(UTC)


def expiry_problem(value: Any, stack: str, settings: Settings) -> str | None:
    if is_unknown(value):
        return unverifiable(f"the {EXPIRES_AT_TAG} tag")
    if not isinstance(value, str) or not value:
        return None  # missing: required-tags reports it
    prefix = str(settings["ephemeralStackPrefix"])
    if value == NEVER:
        if prefix and stack.startswith(prefix):
            return (
                f"{EXPIRES_AT_TAG} is 'never' on stack {stack!r}; CI's {prefix}* stacks must "
                "expire: set expiresAt (e.g. $(date -u -d '+6 hours' +%Y-%m-%dT%H:%M:%SZ))"
            )
        return None
    try:
        expires = datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return f"{EXPIRES_AT_TAG} {value!r} is not a UTC time like 2026-01-31T18:00:00Z"
    hours = float(settings["maxTtlHours"])
    current = now(settings)
    if expires > current + timedelta(hours=hours):
        return (
            f"{EXPIRES_AT_TAG} {value} is more than {fmt(hours)} h from now "
            f"({current.strftime(TIME_FORMAT)}), which keeps the stack beyond the sweeper: set "
            f"expiresAt within {fmt(hours)} h"
        )
    if expires <= current:
        return (
            f"{EXPIRES_AT_TAG} {value} is already past ({current.strftime(TIME_FORMAT)}): the "
            "sweeper would delete the stack while it is in use; set a fresh expiresAt"
        )
    return None


def layer_expiry_problem(layer: StackResource) -> str | None:
    """A layer version cannot be tagged: its description names the stack it expires with, as the
    sweeper and the leak check read it."""
    description = layer.props.get("description")
    if is_unknown(description):
        return unverifiable("the layer's description (its stack)")
    match = _LAYER_DESCRIPTION.match(description) if isinstance(description, str) else None
    if match is None:
        return (
            f"layer {layer.name!r}: description {description!r} is not "
            f"{LAYER_DESCRIPTION_TEMPLATE!r}, so the sweeper cannot tell which stack it expires "
            "with (on a per-branch stack it deletes it as expired): use that form"
        )
    if match["stack"] != layer.stack:
        return (
            f"layer {layer.name!r}: description names stack {match['stack']!r}, not "
            f"{layer.stack!r}: the leak check and sweeper would attribute it elsewhere; name "
            "this stack"
        )
    return None


def check_expiry(
    resources: Sequence[StackResource], settings: Settings
) -> Iterator[tuple[str, str]]:
    reported: set[str] = set()
    for layer in (r for r in resources if r.is_aws and r.type == t.LAYER_VERSION):
        if problem := layer_expiry_problem(layer):
            yield layer.urn, problem
    for resource in (r for r in resources if is_taggable(r)):
        tags = effective_tags(resource)
        value = tags if is_unknown(tags) else tags.get(EXPIRES_AT_TAG)
        problem = expiry_problem(value, resource.stack, settings)
        if problem and problem not in reported:
            reported.add(problem)
            yield resource.urn, problem


POLICIES: Final = [
    stack_policy(
        "stack-expiry",
        "Resources expire within the maximum TTL; CI's per-branch stacks always expire",
        check_expiry,
        config=EXPIRY_SCHEMA,
    ),
]
