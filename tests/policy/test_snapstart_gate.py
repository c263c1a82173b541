"""The program with `snapStart` on passes the pack: its aliases and published SnapStart versions
are what the pack allows (the pack's refusals are in test_rules.py's fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.policy_gate.gate import check_capture
from harness.policy_gate.launcher import PackProcess
from harness.program.render import render

pytestmark = pytest.mark.slow


def test_a_stack_with_snapstart_passes_the_pack(pack: PackProcess, fixture_layer_dir: Path) -> None:
    overrides = {"layerArtifactDir": str(fixture_layer_dir), "snapStart": "true"}
    capture = render("ci", overrides=overrides)
    assert capture.of_type("aws:lambda/alias:Alias"), "the program declares the aliases"
    result = check_capture(capture, pack.channel, {})
    assert result.violations == ()
    assert result.passed
