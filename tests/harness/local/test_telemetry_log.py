"""The telemetry log fd's frames, decoded as awslambdaric writes them: its own sink writes the
frames here, in the runtime's interpreter, so a change of its format fails these tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from harness.local import snapstart_runtime, telemetry_log
from harness.local.log_event import now_ms
from harness.local.telemetry_log import FrameDecoder
from harness.local.toolchain import Toolchain
from infra.spec import REPO_ROOT

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


# In a fresh process (its descriptors known): descriptors 3-9 taken, so a plain pipe's write
# end would be 11, the number the RIE replaces for its runtime; the runtime writes one frame.
THROUGH_THE_RIE = """
import http.client, json, os, socket, subprocess, sys, time
from harness.local.telemetry_log import TELEMETRY_FD_ENV, FrameDecoder, telemetry_pipe
rie, interpreter = sys.argv[1:3]
held = [os.open(os.devnull, os.O_RDONLY) for _ in range(3, 10)]
reader, writer = telemetry_pipe()
ports = []
for _ in range(2):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        ports.append(probe.getsockname()[1])
runtime = [interpreter, "-S", "-c", "import os; fd = int(os.environ['%s']); "
           "os.write(fd, bytes.fromhex('a55a000f') + (2).to_bytes(4, 'big') + bytes(8) + b'ok')"
           % TELEMETRY_FD_ENV]
rie_process = subprocess.Popen(
    [rie, "--runtime-interface-emulator-address", f"127.0.0.1:{ports[0]}",
     "--runtime-api-address", f"127.0.0.1:{ports[1]}", *runtime],
    env={"PATH": "/usr/bin:/bin", TELEMETRY_FD_ENV: str(writer),
         "AWS_LAMBDA_FUNCTION_TIMEOUT": "5"},
    pass_fds=(writer,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
os.close(writer)
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", ports[0]), timeout=1).close()
        break
    except OSError:
        time.sleep(0.02)
connection = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=20)
connection.request("POST", "/2015-03-31/functions/function/invocations", body=b"{}")
connection.getresponse().read()
rie_process.kill()
rie_process.wait()
os.set_blocking(reader, False)
try:
    data = os.read(reader, 1024)
except BlockingIOError:
    data = b""
print(json.dumps({"fd": writer, "records": [e.message for e in FrameDecoder().feed(data)]}))
"""


def test_the_runtime_gets_the_telemetry_fd_through_the_rie(tools: Toolchain) -> None:
    """The RIE replaces the descriptor right above the runtime's stdio (11 here) when it starts
    the runtime; the telemetry fd is numbered above anything it opens, and gets through."""
    done = subprocess.run(
        [sys.executable, "-c", THROUGH_THE_RIE, str(tools.rie), str(tools.interpreter)],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert seen["records"] == ["ok"], seen
    assert seen["fd"] >= telemetry_log.FD_FLOOR
