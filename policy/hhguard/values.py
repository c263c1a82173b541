"""Resource properties as plain Python values, with unknowns made explicit.

pulumi_policy hands rules a proxy that raises `UnknownValueError` on any value not known during a
preview (an ARN of a resource not created yet, say). Raising aborts the whole policy for the
resource; rules here instead see `UNKNOWN` in that place and skip only the checks that need it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """A value the engine does not know yet (preview); `UNKNOWN` is the only instance."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


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


def number(value: Any) -> float | None:
    """`value` if it is a known number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


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
