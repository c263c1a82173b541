"""Render the real program under Pulumi's mocks, against fixture layer artefacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.program.capture import Capture
from harness.program.render import render

RenderStack = Callable[..., Capture]


@pytest.fixture
def render_stack(fixture_layer_dir: Path) -> RenderStack:
    def _render(stack: str, *, supply_secrets: bool = True, **overrides: str) -> Capture:
        values = {"layerArtifactDir": str(fixture_layer_dir), **overrides}
        return render(stack, overrides=values, supply_secrets=supply_secrets)

    return _render
