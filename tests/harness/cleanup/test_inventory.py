"""What a layer's description tells the sweeper (layers cannot carry tags)."""

from __future__ import annotations

import pytest

from harness.cleanup.inventory import layer_tags
from infra.spec import LAYER_DESCRIPTION_TEMPLATE, TAG_EXPIRES_AT, TAG_STACK


@pytest.mark.parametrize(
    "description",
    [
        "honeyhive-lambda-test sdk layer; stack=gh-main; expires-at=2026-12-01T00:00:00Z; "
        "sdk=honeyhive 1.8.0.dev1 (tree 0a1b2c3d4e5f+dirty)",
        # published before descriptions named their SDK
        "honeyhive-lambda-test sdk layer; stack=gh-main; expires-at=2026-12-01T00:00:00Z",
    ],
)
def test_both_description_formats_give_the_stack_and_its_expiry(description: str) -> None:
    assert layer_tags(description) == {
        TAG_STACK: "gh-main",
        TAG_EXPIRES_AT: "2026-12-01T00:00:00Z",
    }


def test_the_current_description_gives_the_stack_and_no_expiry() -> None:
    """The expiry is left out: a new one every CI run would replace the layer."""
    description = LAYER_DESCRIPTION_TEMPLATE.format(stack="gh-main", sdk="honeyhive 1.7.0")
    assert layer_tags(description) == {TAG_STACK: "gh-main"}


def test_anything_else_is_not_concluded_from() -> None:
    assert layer_tags("a layer of someone else's") is None
    assert layer_tags("honeyhive-lambda-test sdk layer; stack=gh-main; version=2") is None
