"""The pinned requirements and what an installed tree holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from layer import pins
from layer.errors import LayerError


def test_committed_requirements_are_complete_pins() -> None:
    text = pins.REQUIREMENTS.read_text()
    pinned = pins.read_pins()
    assert pinned["honeyhive"] == "1.7.0"
    assert "openinference-instrumentation-openai" in pinned
    otel = tuple(int(x) for x in pinned["opentelemetry-sdk"].split(".")[:2])
    assert otel >= (1, 43), "OpenTelemetry < 1.43 fails to import without dist-info"
    assert pinned["opentelemetry-api"] == pinned["opentelemetry-sdk"]
    assert not {"boto3", "botocore"} & set(pinned)
    assert list(pinned) == sorted(pinned), "the lock writes sorted canonical names"
    assert all(name == pins.canonical(name) for name in pinned)
    assert "To bump" in text


def test_read_pins_rejects_unpinned_lines(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\nhoneyhive==1.7.0\nrequests>=2\n")
    with pytest.raises(
        LayerError, match=r"requirements.txt:3: 'requests>=2' is not `name==version`"
    ):
        pins.read_pins(path)


def test_check_installed_names_each_difference() -> None:
    pinned = {"a": "1", "b": "2", "c": "3"}
    got = {"a": "1", "b": "2.1", "d": "4"}
    with pytest.raises(LayerError) as caught:
        pins.check_installed(pinned, got)
    message = str(caught.value)
    assert "d==4 was added by the installer" in message
    assert "c is pinned but was not installed" in message
    assert "b is pinned to 2 but 2.1 was installed" in message
    assert "python -m layer.lock" in message
    pins.check_installed(pinned, dict(pinned))


def test_installed_reads_dist_info_metadata(tmp_path: Path) -> None:
    meta = tmp_path / "PyYAML-6.0.4.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.4\n\nbody\n")
    assert pins.installed(tmp_path) == {"pyyaml": "6.0.4"}
