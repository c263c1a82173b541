"""The local SnapStart mode: init once, then start every new environment from that one image.

Lambda runs a published version's init once, snapshots the process (Firecracker's memory image),
and restores each new execution environment from it: whatever the image holds (Python's `random`
state, ids made at init, open connections, threads) every restored environment holds too. Here:
- the image is the function's runtime after init, started by the harness with
  `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start` and a Runtime API of its own (`_ImageApi`) that
  answers `GET /runtime/restore/next` once the before-snapshot hooks ran (the RIE serves it
  only in an internal mode); the process then stays, never serving an invocation;
- a restored environment is an ordinary one (RIE, Runtime API proxy, freeze, memory watch)
  whose runtime command hands its stdio and Runtime API address to the image, which forks: the
  child is the environment's runtime (snapstart_runtime.py says how it is made faithful).

Why fork and not CRIU (the mechanism Lambda's restore resembles most): CRIU 3.17 (Debian
bookworm) fails on this kernel's vDSO; CRIU 4.x restores a plain process but not inside the
user/mount/PID namespaces the sandbox uses, and needs privileges GitHub's runners do not give.
`os.fork()` runs unprivileged everywhere; what it does not reproduce is listed in
docs/local-runtime.md ("What differs from Lambda"): only the main thread survives (libraries'
at-fork hooks restart their workers, OpenTelemetry's batch processor among them), restored
environments run outside the sandbox's namespaces (the mode runs without the sandbox), and
Restore Duration is not emulated.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Final

from harness.local.config import FunctionConfig
from harness.local.env_vars import function_environment
from harness.local.errors import LocalRuntimeError
from harness.local.layout import Layout
from harness.local.log_event import text_of
from harness.local.procs import kill_tree
from harness.local.sandbox import host_paths
from harness.local.telemetry_log import TELEMETRY_FD_ENV, FrameDecoder
from harness.local.toolchain import Toolchain
from infra.snapstart import INITIALIZATION_TYPE_ENV, SNAPSTART_INITIALIZATION_TYPE

RUNTIME_CODE: Final = (Path(__file__).resolve().parent / "snapstart_runtime.py").read_text()
RESTORE_NEXT: Final = "/2018-06-01/runtime/restore/next"
INIT_ERROR: Final = "/2018-06-01/runtime/init/error"
IMAGE_INIT_LIMIT_S: Final = 60.0
"""How long the image's init may take (Lambda gives a SnapStart init up to 15 minutes; a
local run that takes this long is stuck)."""
SNAPSHOT_LOG_STREAM: Final = "snapshot"


class SnapStartError(LocalRuntimeError):
    """The image could not be made; the message carries what the runtime printed."""


class _ImageApi(http.server.ThreadingHTTPServer):
    """The Runtime API the image's init talks to: restore/next and init/error, nothing else."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ImageApiHandler)
        self.snapshot_requested = threading.Event()
        self.init_error: bytes | None = None


class _ImageApiHandler(http.server.BaseHTTPRequestHandler):
    server: _ImageApi

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the image's own output is what explains a failure."""

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == RESTORE_NEXT:
            self._answer(200)  # the snapshot is taken now; the runtime serves restores next
            self.server.snapshot_requested.set()
        else:
            self._answer(404, b"the snapshot's init serves no invocation")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == INIT_ERROR:
            self.server.init_error = body
            self._answer(202)
            self.server.snapshot_requested.set()
        else:
            self._answer(404)


def runtime_command(interpreter: str, socket_path: Path) -> list[str]:
    """The restored environment's runtime command (the RIE starts it)."""
    return [interpreter, "-S", "-c", RUNTIME_CODE, "restore", str(socket_path)]


class SnapshotImage:
    """One function's post-init process; `restore` environments start from it."""

    def __init__(self, spec: FunctionConfig, layout: Layout, toolchain: Toolchain) -> None:
        self.spec = spec
        self._layout = layout
        self._toolchain = toolchain
        self._dir = Path(tempfile.mkdtemp(prefix="hh-snapstart-"))
        self.socket_path = self._dir / "image.sock"
        self._output = self._dir / "image.log"
        self._records = self._dir / "image.records"
        """The image's telemetry log fd (its init's framed log records; telemetry_log.py)."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._api: _ImageApi | None = None
        self.init_ms: float | None = None

    def start(self) -> None:
        """Run init once and wait for the image; raises SnapStartError naming what failed."""
        paths = host_paths(self._layout, self._toolchain)
        self._api = _ImageApi()
        threading.Thread(target=self._api.serve_forever, daemon=True, name="image-api").start()
        env = {
            **function_environment(self.spec, paths, log_stream=SNAPSHOT_LOG_STREAM),
            INITIALIZATION_TYPE_ENV: SNAPSTART_INITIALIZATION_TYPE,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self._api.server_address[1]}",
            "_HANDLER": self.spec.handler,
        }
        argv = [
            paths.interpreter, "-S", "-c", RUNTIME_CODE,
            "image", str(self.socket_path), self.spec.handler,
        ]  # fmt: skip
        started = time.monotonic()
        with self._output.open("wb") as output, self._records.open("wb") as records:
            env[TELEMETRY_FD_ENV] = str(records.fileno())
            self._proc = subprocess.Popen(
                argv,
                cwd=paths.task_root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(records.fileno(),),
            )
        deadline = started + IMAGE_INIT_LIMIT_S
        while not self.socket_path.exists():
            if self._api.init_error is not None or self._proc.poll() is not None:
                self._fail("its init failed")
            if time.monotonic() > deadline:
                self._fail(f"its init did not finish within {IMAGE_INIT_LIMIT_S:.0f} s")
            time.sleep(0.01)
        self.init_ms = (time.monotonic() - started) * 1000

    def output(self) -> str:
        """What the image's init printed, then the log records it wrote."""
        text = ""
        with contextlib.suppress(OSError):
            text = self._output.read_text(errors="replace")
        with contextlib.suppress(OSError):
            decoder = FrameDecoder()
            events = [*decoder.feed(self._records.read_bytes()), *decoder.flush()]
            text += text_of(events)
        return text

    def _fail(self, why: str) -> None:
        tail = self.output()[-4000:]
        error = (self._api.init_error or b"").decode(errors="replace") if self._api else ""
        self.stop()
        raise SnapStartError(
            f"the SnapStart image of {self.spec.name} could not be made: {why}"
            f"{f'; init error: {error}' if error else ''}; its output:\n{tail}"
        )

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop the image (restored environments are stopped with their own environments)."""
        if self._proc is not None and self._proc.poll() is None:
            kill_tree([self._proc.pid])
            self._proc.wait()
        if self._api is not None:
            self._api.shutdown()
            self._api.server_close()
            self._api = None
        shutil.rmtree(self._dir, ignore_errors=True)
