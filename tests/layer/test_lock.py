"""`python -m layer.lock`: the pins resolve to themselves, and an incomplete file fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.spec import DEFAULT_RUNTIME
from layer import lock, pins
from layer.errors import LayerError
from layer.targets import LayerTarget

DEFAULT = LayerTarget(DEFAULT_RUNTIME, "x86_64")


@pytest.mark.slow
def test_committed_pins_resolve_to_themselves_on_every_target() -> None:
    """Every pin has a wheel for every offered runtime on x86_64 and aarch64, and nothing is
    missing."""
    lock.check(pins.REQUIREMENTS)


@pytest.mark.slow
def test_lock_check_fails_on_an_incomplete_file(tmp_path: Path) -> None:
    incomplete = tmp_path / "requirements.txt"
    lines = pins.REQUIREMENTS.read_text().splitlines()
    incomplete.write_text("\n".join(line for line in lines if not line.startswith("idna==")))
    with pytest.raises(
        LayerError, match=rf"incomplete or inconsistent for {DEFAULT.name} .*idna: absent vs"
    ):
        lock.check(incomplete, [DEFAULT])
