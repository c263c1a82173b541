"""Required tags on every AWS resource that can be tagged; the provider's `defaultTags` count.

The tags are how the sweeper finds a stack's leftovers and knows when they expire. pulumi-aws
sends a provider's `defaultTags` as a JSON string, so both forms are read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import TAGS_SCHEMA
from .values import UNKNOWN, decode_json_object, is_unknown, unverifiable


def is_taggable(resource: Resource) -> bool:
    """Every AWS resource but the few types AWS cannot tag."""
    return resource.is_aws and resource.type not in t.UNTAGGABLE


def default_tags(provider_props: Mapping[str, Any] | None) -> Any:
    """The provider's default tags: a dict, `UNKNOWN`, or {} when it sets none."""
    try:
        config = decode_json_object((provider_props or {}).get("defaultTags"))
    except ValueError:
        return {}
    if is_unknown(config):
        return config
    tags = (config or {}).get("tags")
    return tags if isinstance(tags, dict) or is_unknown(tags) else {}


def effective_tags(resource: Resource) -> Any:
    """The tags AWS would set: the provider's default tags, then the resource's; UNKNOWN when
    either is not known at preview."""
    own = resource.props.get("tags")
    defaults = default_tags(resource.provider_props)
    if is_unknown(own) or is_unknown(defaults):
        return UNKNOWN
    return {**defaults, **(own if isinstance(own, dict) else {})}


def check_tags(resource: Resource, settings: Settings) -> Iterator[str]:
    if not is_taggable(resource):
        return
    tags = effective_tags(resource)
    if is_unknown(tags):
        yield unverifiable("the tags")
        return
    required = [str(k) for k in settings["requiredTags"]]
    if unknown := [key for key in required if is_unknown(tags.get(key))]:
        yield unverifiable(f"the tags {unknown}")
    missing = [
        key
        for key in required
        if key not in unknown and not (isinstance(tags.get(key), str) and tags[key])
    ]
    if missing:
        yield (
            f"missing or empty required tags {missing}: set them in the provider's default tags "
            "(aws.Provider(default_tags={'tags': {...}})) or in the resource's `tags`"
        )


POLICIES: Final = [
    resource_policy(
        "required-tags",
        "Every AWS resource that can be tagged carries the required tags (provider default tags "
        "count)",
        check_tags,
        config=TAGS_SCHEMA,
    ),
]
