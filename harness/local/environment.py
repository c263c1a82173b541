"""One execution environment: an RIE process on free 127.0.0.1 ports running awslambdaric.

`aws-lambda-rie-<arch> --runtime-interface-emulator-address 127.0.0.1:P1 --runtime-api-address
127.0.0.1:P2 <python3.X> -S -m awslambdaric <handler>`, cwd = the task root (so `sys.path[0]`
is the task root, as in Lambda), environment from `env_vars`. The RIE starts the runtime
lazily, on the first invoke, and serves one invoke at a time: the pool never sends a second
one before the first has returned.

What is measured here (the RIE's REPORT line is not used: its Init Duration times an async
call and its Max Memory Used echoes the configuration: `InvokeHandler`, `printEndReports` in
aws-lambda-runtime-interface-emulator internal/lambda/rie/handlers.go):
- init: the RIE's `INIT REPORT(durationMs: ...)` event, from starting the runtime to its first
  `/next`, which is what Lambda's Init Duration covers;
- duration: the RIE's `INVOKE RTDONE(... duration: ...ms)`, from the invoke to the runtime's
  response (wall time when the runtime died instead);
- memory: the runtime process's peak RSS (VmHWM in /proc/<pid>/status), sampled while the
  invoke runs and read once more after it: the peak over the environment's life, like Lambda's.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness.local.config import FunctionConfig
from harness.local.env_vars import function_environment
from harness.local.errors import StartError
from harness.local.layout import Layout
from harness.local.procs import (
    children,
    descendants,
    free_port,
    is_alive,
    kill_tree,
    peak_rss_kb,
    port_accepts,
    release_port,
)
from harness.local.rie_output import Event, LineKind, classify
from harness.local.toolchain import Toolchain

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
START_TIMEOUT_S = 10.0
# Lambda gives init 10 s of its own; the RIE counts init inside the function timeout, so this
# only bounds how long we wait for an RIE that stopped answering.
INIT_ALLOWANCE_S = 10.0
SAMPLE_INTERVAL_S = 0.05
_STARTS = 3


@dataclass
class RawResult:
    """What one invoke produced, as the RIE and the runtime told it."""

    request_id: str
    status: int
    """The RIE's HTTP status (0: no response at all)."""
    body: bytes
    started_at: datetime
    init_ms: float | None = None
    init_status: str = ""
    runtime_done_ms: float | None = None
    wall_ms: float = 0.0
    """From the RIE's INVOKE START to the response (from sending, less init, if it never came)."""
    init_lines: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    peak_rss_kb: int | None = None
    rie_tail: list[str] = field(default_factory=list)


@dataclass
class _Capture:
    request_id: str = ""
    in_init: bool = False
    init_ms: float | None = None
    init_status: str = ""
    runtime_done_ms: float | None = None
    invoke_started: float | None = None
    reported: bool = False
    init_lines: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


class Environment:
    def __init__(self, spec: FunctionConfig, layout: Layout, toolchain: Toolchain, workdir: Path):
        self.spec = spec
        self.id = uuid.uuid4().hex
        self.log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{self.id}"
        self.last_used = time.monotonic()
        self._layout = layout
        self._toolchain = toolchain
        self._home = workdir / f"home-{self.id}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._ports: tuple[int, int] = (0, 0)
        self._cond = threading.Condition()
        self._capture: _Capture | None = None
        self._orphans: list[str] = []
        self._eof = False
        self._rie_tail: deque[str] = deque(maxlen=200)  # every output line (a Go panic is long)
        self._runtime_pid: int | None = None
        self._stopped = False

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._home.mkdir(parents=True, exist_ok=True)
        for _attempt in range(_STARTS):
            if self._spawn():
                return
            in_use = any("address already in use" in line for line in self._rie_tail)
            self._terminate()
            if not in_use:
                break
            self._eof = False
        self.stop()
        raise StartError(
            f"the RIE for {self.spec.name} did not start listening within {START_TIMEOUT_S} s; "
            f"its last lines: {list(self._rie_tail)[-8:]}"
        )

    def _spawn(self) -> bool:
        api_port, runtime_port = free_port(), free_port()
        self._ports = (api_port, runtime_port)
        tc = self._toolchain
        argv = [
            str(tc.rie), "--log-level", "info",
            "--runtime-interface-emulator-address", f"127.0.0.1:{api_port}",
            "--runtime-api-address", f"127.0.0.1:{runtime_port}",
            str(tc.interpreter), "-S", "-m", "awslambdaric", self.spec.handler,
        ]  # fmt: skip
        env = function_environment(
            self.spec,
            self._layout,
            interpreter=tc.interpreter,
            runtime_dir=tc.runtime_dir,
            log_stream=self.log_stream,
            home=self._home,
        )
        self._proc = subprocess.Popen(
            argv,
            cwd=self._layout.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(
            target=self._read, name=f"rie-{self.spec.name}-{self.id[:8]}", daemon=True
        )
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if port_accepts(api_port):
                return True
            if self._proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    def pids(self) -> list[int]:
        """The RIE and every process under it (the runtime, and whatever the function started)."""
        if self._proc is None:
            return []
        known = [self._proc.pid, *descendants(self._proc.pid)]
        if self._runtime_pid is not None and self._runtime_pid not in known:
            known.append(self._runtime_pid)
        return [pid for pid in known if is_alive(pid)]

    @property
    def alive(self) -> bool:
        return not self._stopped and self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop the RIE and everything under it, then collect what they printed. Idempotent.

        SIGTERM first: the RIE then SIGKILLs the runtime's process group and reaps it (so no
        zombie is left behind); anything still alive after that is killed outright."""
        with self._cond:
            if self._stopped:
                return
            self._stopped = True
        self._terminate()
        shutil.rmtree(self._home, ignore_errors=True)

    def _terminate(self) -> None:
        proc = self._proc
        if proc is not None:
            pids = self.pids()
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(3)
                except subprocess.TimeoutExpired:
                    kill_tree(pids)
                    proc.wait(3)
            kill_tree([pid for pid in pids if pid != proc.pid and is_alive(pid)])
            if self._reader is not None:
                self._reader.join(5)
            if proc.stdout is not None:
                proc.stdout.close()
        for port in self._ports:
            if port:
                release_port(port)

    # --- invoke -------------------------------------------------------------------------------

    def invoke(self, payload: bytes, client_context: str | None = None) -> RawResult:
        """Send one event through the RIE and return what happened (never raises for what the
        function did: timeouts, crashes and init failures are results too). `client_context`
        is Invoke's base64 `X-Amz-Client-Context`, which the RIE passes on to the runtime."""
        capture = _Capture()
        with self._cond:
            capture.lines, self._orphans = self._orphans, []
            self._capture = capture
        started_at = datetime.now(UTC)
        sent = time.monotonic()
        peak = _PeakSampler(self)
        peak.start()
        status, body = self._post(payload, client_context)
        received = time.monotonic()
        peak_kb = peak.finish()
        timed_out = status == 200 and body.startswith(b"Task timed out after ")
        if status != 200 or timed_out:
            self.stop()  # the runtime is gone or wedged; stopping also drains its output
        else:
            self._await_report(capture)
        with self._cond:
            self._capture = None
        self.last_used = time.monotonic()
        if capture.invoke_started is not None:
            wall_ms = (received - capture.invoke_started) * 1000
        else:
            wall_ms = max((received - sent) * 1000 - (capture.init_ms or 0.0), 0.0)
        return RawResult(
            request_id=capture.request_id,
            status=status,
            body=body,
            started_at=started_at,
            init_ms=capture.init_ms,
            init_status=capture.init_status,
            runtime_done_ms=capture.runtime_done_ms,
            wall_ms=wall_ms,
            init_lines=capture.init_lines,
            lines=capture.lines,
            peak_rss_kb=peak_kb,
            rie_tail=list(self._rie_tail),
        )

    def _post(self, payload: bytes, client_context: str | None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self._ports[0], timeout=self.spec.timeout + INIT_ALLOWANCE_S
        )
        headers = {"Content-Type": "application/json"}
        if client_context:
            headers["X-Amz-Client-Context"] = client_context
        try:
            connection.request("POST", INVOKE_PATH, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            return 0, f"no answer from the RIE: {exc!r}".encode()
        finally:
            connection.close()

    def _await_report(self, capture: _Capture) -> None:
        """The RIE prints REPORT before it writes the response: once that line is read, every
        line the function printed for this invoke has been read too."""
        with self._cond:
            self._cond.wait_for(lambda: capture.reported or self._eof, timeout=5)

    # --- output -------------------------------------------------------------------------------

    def _read(self) -> None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        for raw in iter(proc.stdout.readline, b""):
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            events = classify(text)
            with self._cond:
                self._rie_tail.append(text)
                for event in events:
                    self._on_event(event)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _on_event(self, event: Event) -> None:
        capture = self._capture
        if capture is None:
            if event.kind is LineKind.FUNCTION:
                self._orphans.append(event.text)  # printed between invokes: Lambda logs it next
            return
        if not _record_platform_event(capture, event):
            (capture.init_lines if capture.in_init else capture.lines).append(event.text)

    # --- memory -------------------------------------------------------------------------------

    def sample_peak_kb(self) -> int | None:
        """The runtime process's VmHWM now (None before it has started or after it died)."""
        pid = self._runtime_pid
        if (pid is None or not is_alive(pid)) and self._proc is not None:
            found = children(self._proc.pid)
            pid = self._runtime_pid = found[0] if found else None
        return peak_rss_kb(pid) if pid is not None else None


def _record_platform_event(capture: _Capture, event: Event) -> bool:
    """Note what an RIE event says about the invoke; False for the function's own output
    (including a START/END/REPORT-looking line that is not about this request)."""
    kind = event.kind
    if kind is LineKind.FUNCTION:
        return False
    if kind in {LineKind.REQUEST_START, LineKind.REQUEST_END, LineKind.REQUEST_REPORT}:
        if kind is LineKind.REQUEST_START and not capture.request_id:
            capture.request_id = event.request_id
            return True
        if event.request_id != capture.request_id or kind is LineKind.REQUEST_START:
            return False
        capture.reported = capture.reported or kind is LineKind.REQUEST_REPORT
    elif kind is LineKind.INIT_START:
        capture.in_init = True
    elif kind is LineKind.INIT_DONE:
        capture.init_status = capture.init_status or event.status
    elif kind is LineKind.INIT_REPORT:
        capture.in_init = False
        capture.init_ms = capture.init_ms if capture.init_ms is not None else event.duration_ms
    elif kind is LineKind.INVOKE_START:
        capture.invoke_started = time.monotonic()
    elif kind is LineKind.RUNTIME_DONE and capture.runtime_done_ms is None:
        capture.runtime_done_ms = event.duration_ms
    return True


class _PeakSampler:
    """Polls the runtime's VmHWM while an invoke runs: after a timeout or a crash the process
    is gone, and the last sample is the best value there is."""

    def __init__(self, environment: Environment) -> None:
        self._environment = environment
        self._done = threading.Event()
        self._peak: int | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _sample(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            value = self._environment.sample_peak_kb()
            if value is not None:
                self._peak = max(self._peak or 0, value)

    def _run(self) -> None:
        while not self._done.wait(SAMPLE_INTERVAL_S):
            self._sample()

    def finish(self) -> int | None:
        self._done.set()
        self._thread.join()
        self._sample()
        return self._peak
