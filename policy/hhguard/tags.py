"""Required tags on every taggable AWS resource; the provider's `defaultTags` count.

The tags are how the sweeper finds a stack's leftovers and knows when they expire. pulumi-aws
sends a provider's `defaultTags` as a JSON string, so both forms are read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import TAGS_SCHEMA
from .values import decode_json_object, is_unknown


def is_taggable(resource: Resource) -> bool:
    return resource.type in t.TAGGABLE or (
        resource.type.startswith("aws:") and "tags" in resource.props
    )


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


def check_tags(resource: Resource, settings: Settings) -> Iterator[str]:
    if not is_taggable(resource):
        return
    own = resource.props.get("tags")
    defaults = default_tags(resource.provider_props)
    if is_unknown(own) or is_unknown(defaults):
        return  # not known until the update; the check runs again then
    tags = {**defaults, **(own if isinstance(own, dict) else {})}
    missing = [
        key
        for key in (str(k) for k in settings["requiredTags"])
        if not (is_unknown(tags.get(key)) or (isinstance(tags.get(key), str) and tags[key]))
    ]
    if missing:
        yield (
            f"missing or empty required tags {missing}: set them in the provider's default tags "
            "(aws.Provider(default_tags={'tags': {...}})) or in the resource's `tags`"
        )


POLICIES: Final = [
    resource_policy(
        "required-tags",
        "Taggable AWS resources carry the required tags (provider default tags count)",
        check_tags,
        config=TAGS_SCHEMA,
    ),
]
