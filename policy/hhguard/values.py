"""Resource properties as plain Python values, with unknowns made explicit, and read as AWS
reads them.

pulumi_policy hands rules a proxy that raises `UnknownValueError` on any value not known during a
preview (an ARN of a resource not created yet, say), and turns that into an advisory "can't
run policy" message: a mandatory rule would silently stop being mandatory. Rules here instead
see `UNKNOWN` in that place and fail closed: a value a rule needs that is unknown at preview is
a violation of its own (`unverifiable`). Numbers given as strings are read as the Pulumi bridge
converts them for the provider (`bridge_int`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """A value the engine does not know yet (preview); `UNKNOWN` is the only instance."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()
Unknown = _Unknown


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


def has_unknown(value: object) -> bool:
    """Whether the value, or anything in it, is unknown."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def unverifiable(what: str) -> str:
    """The violation for a value a rule must read that is not known during the preview."""
    return (
        f"cannot verify {what} at preview: it is not known until the update; make it known "
        "(a literal or config) or compute it from declared resources"
    )


class NotAnInteger(ValueError):
    """A value the provider would refuse where it expects an integer."""


_BRIDGE_INT: Final = re.compile(r"^[+-]?[0-9]+$")


def bridge_int(value: Any) -> int | None:
    """An integer input as the Pulumi bridge converts it for the provider: a number (a float is
    truncated), or a string that Go's strconv.ParseInt accepts ("10240", "+10", "010"); None when
    absent. Raises `NotAnInteger` for anything else ("1e4", "10.0", " 1", true)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotAnInteger(f"{value!r} is not an integer")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and _BRIDGE_INT.match(value):
        return int(value)
    raise NotAnInteger(f"{value!r} is not an integer (the provider would refuse it)")


def plain(value: Any) -> Any:
    """`value` (a pulumi_policy proxy or a plain value) as dicts and lists, unknowns `UNKNOWN`."""
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[str(key)] = plain(value[key])
            except UnknownValueError:
                result[str(key)] = UNKNOWN
        return result
    if isinstance(value, Sequence):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def text(value: Any) -> str | None:
    """`value` if it is a known string, else None."""
    return value if isinstance(value, str) else None


def strings(value: Any) -> list[str]:
    """The known strings of a string-or-list value (IAM's `"a"` or `["a", "b"]`)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def decode_json_object(value: Any) -> Any:
    """An object given as itself or as a JSON string (provider inputs, IAM documents).

    Returns the object, `UNKNOWN`, None when absent, or raises ValueError for a string that is
    not a JSON object.
    """
    if value is None or is_unknown(value) or isinstance(value, dict):
        return value
    if isinstance(value, str):
        decoded = json.loads(value)
        if not isinstance(decoded, dict):
            raise ValueError(f"expected a JSON object, got {type(decoded).__name__}")
        return decoded
    raise ValueError(f"expected an object or a JSON string, got {type(value).__name__}")


def fmt(value: float) -> str:
    """A config number as people write it (`1024`, not `1024.0`; Configure sends floats)."""
    return f"{value:g}"
