"""The telemetry log fd's frames, decoded as awslambdaric writes them: its own sink writes the
frames here, in the runtime's interpreter, so a change of its format fails these tests."""

from __future__ import annotations

import os
import subprocess

import pytest

from harness.local import snapstart_runtime, telemetry_log
from harness.local.log_event import now_ms
from harness.local.telemetry_log import FrameDecoder
from harness.local.toolchain import Toolchain

WRITER = """
import logging, sys
from awslambdaric.bootstrap import FramedTelemetryLogSink
from awslambdaric.lambda_runtime_log_utils import _JSON_FRAME_TYPES, _TEXT_FRAME_TYPES
with FramedTelemetryLogSink(1) as sink:
    sink.log("[INFO]\\tfirst\\nsecond line\\n", frame_type=_TEXT_FRAME_TYPES[logging.INFO])
    sink.log('{"level": "ERROR"}\\n', frame_type=_JSON_FRAME_TYPES[logging.ERROR])
    sink.log("no level, \\u00fc\\n")
    sink.log("a long record\\n")
"""


@pytest.fixture(scope="module")
def frames(tools: Toolchain) -> bytes:
    """What awslambdaric's FramedTelemetryLogSink writes, from the runtime dir's awslambdaric."""
    result = subprocess.run(
        [str(tools.interpreter), "-S", "-c", WRITER],
        env={"PYTHONPATH": str(tools.runtime_dir), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def test_each_frame_is_one_event_with_its_level_and_time(frames: bytes) -> None:
    decoder = FrameDecoder()
    events = [*decoder.feed(frames[:7]), *decoder.feed(frames[7:40]), *decoder.feed(frames[40:])]
    assert decoder.flush() == []
    assert [(e.message, e.level) for e in events] == [
        ("[INFO]\tfirst\nsecond line", "INFO"),
        ('{"level": "ERROR"}', "ERROR"),
        ("no level, \u00fc", None),
        ("a long record", None),
    ]
    assert all(abs(e.timestamp_ms - now_ms()) < 60_000 for e in events)


def test_a_frame_cut_short_and_bytes_without_the_magic_are_kept(frames: bytes) -> None:
    decoder = FrameDecoder()
    decoded = decoder.feed(frames[:-3])
    assert [e.message for e in decoded][-1] == "no level, \u00fc"
    assert [e.message for e in decoder.flush()] == ["a long reco"]  # the runtime was killed
    stray = FrameDecoder()
    assert [e.message for e in stray.feed(b"written by hand to the fd\nand more")] == [
        "written by hand to the fd"
    ]
    assert [e.message for e in stray.flush()] == ["and more"]


def test_the_snapstart_runtime_names_the_same_variable() -> None:
    """snapstart_runtime.py runs in the function's interpreter and imports nothing of ours."""
    assert snapstart_runtime.TELEMETRY_FD_ENV == telemetry_log.TELEMETRY_FD_ENV
