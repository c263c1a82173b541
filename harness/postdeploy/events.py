"""The events the suite sends: the seed's payloads, and events the handlers must refuse (400)."""

from __future__ import annotations

from typing import Any

from harness.postdeploy.target import FunctionOutput
from infra.spec import EVENT_DATA_MAX_BYTES, EVENT_DATA_MAX_DEPTH, FUNCTIONS

SEED_EVENT: dict[str, Any] = {"test_type": "ci_validation", "data": {"message": "CI test"}}


def _nested(depth: int) -> dict[str, Any]:
    """An object nested `depth` levels deep: {"d": {"d": ... {} }}."""
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"d": value}
    return value


# label -> an event the contract refuses with a 400 that names the problem
BAD_EVENTS: dict[str, Any] = {
    "not an object": ["a", "list"],
    "null": None,
    "test_type not a string": {"test_type": 42},
    "data not an object": {"test_type": "ci_validation", "data": "CI test"},
    "negative iteration": {"test_type": "cold_start", "iteration": -1},
    "oversize data": {"test_type": "ci_validation", "data": {"x": "y" * EVENT_DATA_MAX_BYTES}},
    "too deeply nested data": {
        "test_type": "ci_validation",
        "data": _nested(EVENT_DATA_MAX_DEPTH + 1),
    },
}


def iteration_event(iteration: int) -> dict[str, Any]:
    """cold_start_test's seed payload."""
    return {"test_type": "cold_start", "iteration": iteration}


def seed_events(function: FunctionOutput) -> list[Any]:
    """What the seed sent each function: the CI payload, plus cold_start_test's iterations."""
    return [SEED_EVENT, *(iteration_event(i) for i in FUNCTIONS[function.key].seed_iterations)]


def series_event(function: FunctionOutput, iteration: int) -> Any:
    """The event of the i-th cold or warm invoke (cold_start_test gets its iteration)."""
    return iteration_event(iteration) if FUNCTIONS[function.key].seed_iterations else SEED_EVENT
