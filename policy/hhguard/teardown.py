"""teardown: nothing the stack declares outlives `pulumi destroy`.

CI destroys each per-branch stack after its run and the sweeper deletes what outlived its TTL;
both only work on what the stack will really delete. `protect` makes destroy fail,
`skipDestroy` (layer versions, log groups, functions) leaves the resource in AWS when the stack
deletes it, and an alias naming another stack's or project's resource adopts (and later
deletes, or keeps) something this stack never created. What the analyzer protocol does not
carry (`retainOnDelete`, `deletedWith`, `import`) is refused by the offline gate instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from .framework import Resource, Settings, resource_policy
from .limits import TEARDOWN_SCHEMA
from .values import is_unknown, unverifiable

_TRUE: Final = (True, "true")


def _alias_problem(resource: Resource, alias: str) -> str | None:
    parts = alias.removeprefix("urn:pulumi:").split("::")
    if not alias.startswith("urn:pulumi:") or len(parts) < 4:
        return f"has alias {alias!r}, which is not a resource URN: remove it"
    stack, project = parts[0], parts[1]
    if (stack, project) != (resource.stack, resource.project):
        return (
            f"has alias {alias!r}, a resource of stack {stack!r} of project {project!r}: this "
            "stack would adopt (and keep or delete) what another stack created; remove the alias"
        )
    return None


def check_teardown(resource: Resource, settings: Settings) -> Iterator[str]:
    keep = [str(p) for p in settings["protectedProjects"]]
    if resource.protect and resource.project not in keep:
        yield (
            "is protected (`protect=True`), so `pulumi destroy` fails and the stack, with the "
            "key in its functions, stays: remove the protect option"
        )
    for alias in resource.aliases:
        if problem := _alias_problem(resource, alias):
            yield problem
    skip = resource.props.get("skipDestroy")
    if is_unknown(skip):
        yield unverifiable("skipDestroy")
    elif skip in _TRUE:
        yield ("sets skipDestroy, so `pulumi destroy` leaves it in AWS past the stack: remove it")


POLICIES: Final = [
    resource_policy(
        "teardown",
        "Nothing outlives `pulumi destroy`: no protect, skipDestroy, or alias to another "
        "stack's resource",
        check_teardown,
        config=TEARDOWN_SCHEMA,
    ),
]
