"""The event contract in `_contract.parse_event`: what passes, and the exact error otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.lambda_functions.environments import load_contract
from tests.lambda_functions.event_cases import BAD_EVENTS, MAX_DATA_BYTES, data_of_size

contract = load_contract()


@pytest.mark.parametrize(
    ("event", "error"), [(e, m) for _, e, m in BAD_EVENTS], ids=[i for i, _, _ in BAD_EVENTS]
)
def test_bad_event_is_refused_with_the_exact_problem(event: Any, error: str) -> None:
    with pytest.raises(contract.BadEvent) as raised:
        contract.parse_event(event, "default")
    assert str(raised.value) == error


def test_limit_documented_in_the_module_is_the_one_tested() -> None:
    assert contract.MAX_DATA_BYTES == MAX_DATA_BYTES
    assert contract.MAX_TEST_TYPE_CHARS == 128


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({}, ("default", None, None)),
        ({"unknown": [1], "other": None}, ("default", None, None)),
        ({"test_type": "t" * 128}, ("t" * 128, None, None)),
        ({"test_type": "ci", "data": {}, "iteration": 0}, ("ci", {}, 0)),
        ({"iteration": 10**30}, ("default", None, 10**30)),
        ({"data": data_of_size(MAX_DATA_BYTES)}, ("default", data_of_size(MAX_DATA_BYTES), None)),
    ],
    ids=[
        "empty",
        "unknown-fields",
        "test_type-128",
        "all-fields",
        "huge-iteration",
        "data-at-limit",
    ],
)
def test_good_event_is_parsed(event: dict[str, Any], expected: tuple[Any, ...]) -> None:
    parsed = contract.parse_event(event, "default")
    assert (parsed.test_type, parsed.data, parsed.iteration) == expected


def test_data_one_byte_over_the_limit_is_refused() -> None:
    with pytest.raises(contract.BadEvent, match=f"got {MAX_DATA_BYTES + 1} bytes"):
        contract.parse_event({"data": data_of_size(MAX_DATA_BYTES + 1)}, "default")


def test_data_that_is_not_json_is_refused() -> None:
    """Only an in-process caller can pass these; Lambda's JSON decoder never produces them."""
    with pytest.raises(contract.BadEvent, match="data must be JSON-serializable"):
        contract.parse_event({"data": {"x": float("nan")}}, "default")
    with pytest.raises(contract.BadEvent, match="data must be JSON-serializable"):
        contract.parse_event({"data": {"x": object()}}, "default")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
EVENT_FIELDS = st.fixed_dictionaries(
    {},
    optional={"test_type": JSON | st.text(max_size=200), "data": JSON, "iteration": JSON},
)


@given(JSON | EVENT_FIELDS)
def test_any_json_is_either_a_valid_event_or_a_bad_event(event: Any) -> None:
    try:
        parsed = contract.parse_event(event, "default")
    except contract.BadEvent as exc:
        assert str(exc)
        return
    assert isinstance(event, dict)
    assert isinstance(parsed.test_type, str) and 1 <= len(parsed.test_type) <= 128
    assert parsed.data is None or isinstance(parsed.data, dict)
    assert parsed.iteration is None or (type(parsed.iteration) is int and parsed.iteration >= 0)


def _nested(depth: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for _ in range(depth - 1):
        data = {"d": data}
    return data


def test_data_nested_to_the_limit_is_accepted() -> None:
    data = _nested(contract.MAX_DATA_DEPTH)
    assert contract.parse_event({"data": data}, "default").data == data


@pytest.mark.parametrize("depth", [65, 986, 5000])
def test_data_nested_too_deep_is_refused_not_crashed(depth: int) -> None:
    """986 levels parse in awslambdaric but made json.dumps raise RecursionError."""
    with pytest.raises(contract.BadEvent, match="at most 64 levels deep"):
        contract.parse_event({"data": _nested(depth)}, "default")
    deep_list: list[Any] = []
    for _ in range(depth):
        deep_list = [deep_list]
    with pytest.raises(contract.BadEvent, match="at most 64 levels deep"):
        contract.parse_event({"data": {"l": deep_list}}, "default")
