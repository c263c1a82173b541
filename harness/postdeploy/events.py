"""The events the suite sends: the seed's payloads, and events the handlers must refuse (400)."""

from __future__ import annotations

from typing import Any

from harness.postdeploy.target import FunctionOutput

COLD_START_TEST = "cold_start_test"
SEED_EVENT: dict[str, Any] = {"test_type": "ci_validation", "data": {"message": "CI test"}}
SEED_ITERATIONS = (1, 2, 3)

# label -> an event the contract refuses with a 400 that names the problem
BAD_EVENTS: dict[str, Any] = {
    "not an object": ["a", "list"],
    "null": None,
    "test_type not a string": {"test_type": 42},
    "data not an object": {"test_type": "ci_validation", "data": "CI test"},
    "negative iteration": {"test_type": "cold_start", "iteration": -1},
}


def iteration_event(iteration: int) -> dict[str, Any]:
    """cold_start_test's seed payload."""
    return {"test_type": "cold_start", "iteration": iteration}


def seed_events(function: FunctionOutput) -> list[Any]:
    """What the seed sent each function: the CI payload, plus cold_start_test's iterations."""
    events: list[Any] = [SEED_EVENT]
    if function.key == COLD_START_TEST:
        events += [iteration_event(i) for i in SEED_ITERATIONS]
    return events


def series_event(function: FunctionOutput, iteration: int) -> Any:
    """The event of the i-th cold or warm invoke (cold_start_test gets its iteration)."""
    return iteration_event(iteration) if function.key == COLD_START_TEST else SEED_EVENT
