"""Render the real program under Pulumi's mocks, against fixture layer artefacts.

A render runs the program in a process of its own (a few seconds of imports), and a render is
deterministic (the program never reads the clock; the fixture artefacts do not change), so
each distinct (stack, config, secrets, environment) is rendered once per test process and
shared. Tests only read a Capture.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.program.capture import Capture
from harness.program.render import render

RenderStack = Callable[..., Capture]


@pytest.fixture(scope="session")
def _renders() -> dict[tuple[object, ...], Capture]:
    return {}


@pytest.fixture
def render_stack(
    fixture_layer_dir: Path, _renders: dict[tuple[object, ...], Capture]
) -> RenderStack:
    def _render(stack: str, *, supply_secrets: bool = True, **overrides: str) -> Capture:
        values = {"layerArtifactDir": str(fixture_layer_dir), **overrides}
        environment = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        key = (
            stack,
            supply_secrets,
            tuple(sorted(values.items())),
            tuple(sorted(environment.items())),
        )
        if key not in _renders:
            _renders[key] = render(stack, overrides=values, supply_secrets=supply_secrets)
        return _renders[key]

    return _render
