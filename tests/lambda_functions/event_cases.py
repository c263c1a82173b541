"""Events that break the contract, each with the exact error the handlers must return."""

from __future__ import annotations

import json
from typing import Any

from infra.spec import EVENT_DATA_MAX_BYTES

MAX_DATA_BYTES = EVENT_DATA_MAX_BYTES


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _oversize(filler: str) -> dict[str, Any]:
    """`data` just over the limit: the fewest `filler`s that take it over, whatever `filler`
    encodes to (computed, then checked both ways: at collection, in every test worker)."""
    empty = _json_bytes({"blob": ""})
    each = _json_bytes({"blob": filler}) - empty
    count = (MAX_DATA_BYTES - empty) // each + 1
    data = {"blob": filler * count}
    assert _json_bytes(data) > MAX_DATA_BYTES >= _json_bytes({"blob": filler * (count - 1)})
    return data


_OVER_ASCII = _oversize("x")
_OVER_UTF8 = _oversize("\u00e9")  # two bytes a character: the limit is bytes, not characters
_OVER_NESTED = {"items": [{"n": i} for i in range(5000)]}

# (case id, event, error)
BAD_EVENTS: list[tuple[str, Any, str]] = [
    ("event-list", [1, 2], "event must be a JSON object, got array"),
    ("event-empty-list", [], "event must be a JSON object, got array"),
    ("event-string", "ping", "event must be a JSON object, got string"),
    ("event-empty-string", "", "event must be a JSON object, got string"),
    ("event-null", None, "event must be a JSON object, got null"),
    ("event-number", 42, "event must be a JSON object, got number"),
    ("event-float", 1.5, "event must be a JSON object, got number"),
    ("event-bool", True, "event must be a JSON object, got boolean"),
    ("test_type-number", {"test_type": 7}, "test_type must be a string, got number"),
    ("test_type-null", {"test_type": None}, "test_type must be a string, got null"),
    ("test_type-bool", {"test_type": False}, "test_type must be a string, got boolean"),
    ("test_type-list", {"test_type": ["a"]}, "test_type must be a string, got array"),
    ("test_type-object", {"test_type": {"a": 1}}, "test_type must be a string, got object"),
    ("test_type-empty", {"test_type": ""}, "test_type must be 1 to 128 characters, got 0"),
    ("test_type-129", {"test_type": "x" * 129}, "test_type must be 1 to 128 characters, got 129"),
    (
        "test_type-5000",
        {"test_type": "y" * 5000},
        "test_type must be 1 to 128 characters, got 5000",
    ),
    ("data-string", {"data": "hello"}, "data must be a JSON object, got string"),
    ("data-list", {"data": [1, 2]}, "data must be a JSON object, got array"),
    ("data-number", {"data": 3}, "data must be a JSON object, got number"),
    ("data-null", {"data": None}, "data must be a JSON object, got null"),
    ("data-bool", {"data": True}, "data must be a JSON object, got boolean"),
    (
        "data-oversize-ascii",
        {"data": _OVER_ASCII},
        f"data must be at most 32768 bytes as JSON, got {_json_bytes(_OVER_ASCII)} bytes",
    ),
    (
        "data-oversize-utf8",
        {"data": _OVER_UTF8},
        f"data must be at most 32768 bytes as JSON, got {_json_bytes(_OVER_UTF8)} bytes",
    ),
    (
        "data-oversize-nested",
        {"data": _OVER_NESTED},
        f"data must be at most 32768 bytes as JSON, got {_json_bytes(_OVER_NESTED)} bytes",
    ),
    ("iteration-negative", {"iteration": -1}, "iteration must be a non-negative integer, got -1"),
    ("iteration-float", {"iteration": 1.5}, "iteration must be a non-negative integer, got 1.5"),
    (
        "iteration-string",
        {"iteration": "3"},
        "iteration must be a non-negative integer, got string",
    ),
    (
        "iteration-bool",
        {"iteration": True},
        "iteration must be a non-negative integer, got boolean",
    ),
    ("iteration-null", {"iteration": None}, "iteration must be a non-negative integer, got null"),
    ("iteration-list", {"iteration": [1]}, "iteration must be a non-negative integer, got array"),
    (
        "several-fields",
        {"test_type": 1, "data": [], "iteration": -2},
        "test_type must be a string, got number; data must be a JSON object, got array; "
        "iteration must be a non-negative integer, got -2",
    ),
]


def data_of_size(size: int) -> dict[str, Any]:
    """A `data` object whose compact JSON is exactly `size` bytes."""
    data = {"blob": ""}
    data["blob"] = "z" * (size - _json_bytes(data))
    assert _json_bytes(data) == size
    return data
