"""The handlers run alone in Lambda, so they keep their own copies of the facts infra/spec.py
owns; these tests pin each copy to the spec (span names, the event limits, the flush timeout,
the variables' names) and the set of handler modules to the set of functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra.snapstart import HOOKED_HANDLER_MODULE, INITIALIZATION_TYPE_ENV
from infra.spec import (
    DEFAULT_FLUSH_TIMEOUT_MS,
    ENV_API_KEY,
    EVENT_DATA_MAX_BYTES,
    EVENT_DATA_MAX_DEPTH,
    FLUSH_TIMEOUT_ENV,
    FUNCTIONS,
    MIN_SDK_VERSION,
    WARM_PROFILE_ENV,
)
from tests.lambda_functions.environments import TASK_ROOT, load_contract

contract = load_contract()


def span_names(module: Path) -> set[str]:
    """The span names a handler module creates: `event_name=` of its `trace(...)` decorators
    and the first argument of its `start_span(...)` calls, as written in the source."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "event_name" and isinstance(keyword.value, ast.Constant):
                names.add(str(keyword.value.value))
        called = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if called == "start_span" and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def starts_the_sdk(module: Path) -> bool:
    """Whether the handler calls `FUNCTION.start_sdk()` (the one place the SDK is imported)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "start_sdk"
        for node in ast.walk(ast.parse(module.read_text()))
    )


def test_every_function_has_its_handler_module_and_no_other_exists() -> None:
    modules = {p.stem for p in TASK_ROOT.glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(FUNCTIONS) | {HOOKED_HANDLER_MODULE}


def test_the_initialization_type_variable_is_the_specs() -> None:
    assert contract.INITIALIZATION_TYPE_ENV == INITIALIZATION_TYPE_ENV


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_the_spans_a_handler_makes_are_the_specs(key: str) -> None:
    module = TASK_ROOT / f"{key}.py"
    assert span_names(module) == set(FUNCTIONS[key].spans)
    assert starts_the_sdk(module) is FUNCTIONS[key].uses_sdk


def test_span_names_are_read_from_the_source(tmp_path: Path) -> None:
    """The reader above sees both ways a handler names a span (so the test can fail)."""
    module = tmp_path / "probe.py"
    module.write_text(
        "traced = trace(tracer=t, event_type='tool', event_name='a.b')(f)\n"
        "with tracer.start_span('c'):\n    pass\n"
    )
    assert span_names(module) == {"a.b", "c"}


def test_the_contracts_copies_of_the_specs_facts() -> None:
    assert contract.MAX_DATA_BYTES == EVENT_DATA_MAX_BYTES
    assert contract.MAX_DATA_DEPTH == EVENT_DATA_MAX_DEPTH
    assert contract.DEFAULT_FLUSH_TIMEOUT_MS == DEFAULT_FLUSH_TIMEOUT_MS
    assert contract.FLUSH_TIMEOUT_ENV == FLUSH_TIMEOUT_ENV
    assert contract.API_KEY_ENV == ENV_API_KEY
    assert contract.MIN_SDK_VERSION == MIN_SDK_VERSION
    assert contract.WARM_PROFILE_ENV == WARM_PROFILE_ENV
