"""Tags every taggable resource carries (via the provider's default tags) and the layer's
description, which stands in for tags because Lambda layers cannot be tagged."""

from __future__ import annotations

from infra.errors import InfraError
from infra.settings import StackSettings
from infra.spec import (
    LAYER_DESCRIPTION_MAX,
    LAYER_DESCRIPTION_TEMPLATE,
    MANAGED_BY,
    NEVER_EXPIRES,
    TAG_BRANCH,
    TAG_EXPIRES_AT,
    TAG_MANAGED_BY,
    TAG_STACK,
    TAG_VALUE_MAX,
    UNSET_BRANCH,
)

_TAG_PUNCTUATION = frozenset(" _.:/=+-@")


def tag_value(text: str) -> str:
    """`text` with every character AWS refuses in a tag value replaced by `_`, truncated."""
    cleaned = "".join(c if c.isalnum() or c in _TAG_PUNCTUATION else "_" for c in text)
    return cleaned[:TAG_VALUE_MAX]


def tags_for(stack: str, branch: str | None, expires_at: str | None) -> dict[str, str]:
    """The required tags; the sweeper reads `expires-at` (`never` keeps it away)."""
    return {
        TAG_STACK: tag_value(stack),
        TAG_BRANCH: tag_value(branch or UNSET_BRANCH),
        TAG_EXPIRES_AT: expires_at or NEVER_EXPIRES,
        TAG_MANAGED_BY: MANAGED_BY,
    }


def stack_tags(settings: StackSettings) -> dict[str, str]:
    return tags_for(settings.stack, settings.branch, settings.expires_at)


def layer_description(settings: StackSettings, sdk: str) -> str:
    """Lambda layers cannot be tagged: the description carries the stack (what the sweeper and
    the leak check read) and the SDK the layer holds (`describe` in infra/sdk.py), never the
    expiry, which changes on every CI run while the layer need not."""
    description = LAYER_DESCRIPTION_TEMPLATE.format(stack=settings.stack, sdk=sdk)
    if len(description) > LAYER_DESCRIPTION_MAX:
        raise InfraError(f"layer description longer than {LAYER_DESCRIPTION_MAX}: {description}")
    return description
