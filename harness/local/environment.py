"""One execution environment: an RIE on free 127.0.0.1 ports running awslambdaric, in a sandbox.

The command, from the outside in:
- `unshare ... sh -c <setup>` (sandbox.py): Lambda's file system in namespaces of their own;
  without them, the RIE is started directly, in a session of its own, cwd = the task root;
- `aws-lambda-rie --runtime-interface-emulator-address 127.0.0.1:P1 --runtime-api-address
  127.0.0.1:P2 <runtime command>`: the RIE starts the runtime lazily, on the first invoke, in a
  process group of its own, and serves one invoke at a time (the pool never sends a second one
  before the first has returned);
- the runtime command, `env -u AWS_LAMBDA_FUNCTION_TIMEOUT AWS_LAMBDA_RUNTIME_API=127.0.0.1:P3
  _LAMBDA_TELEMETRY_LOG_FD=N <python3.X> -S -m awslambdaric <handler>`: `env` (coreutils) execs
  the interpreter, so the runtime keeps its pid; it drops the variable only the RIE reads,
  points the runtime at the Runtime API proxy on P3 (runtime_api.py), which forwards to the
  RIE's on P2, and names the telemetry log fd N: the write end of a pipe the harness reads, on
  which awslambdaric frames each log record, one CloudWatch event each (telemetry_log.py).
In the sandbox the environment has a loopback of its own (netns.py): P1 and P2 are fixed ports
inside it, the proxy serves P3 = 9001 (Lambda's) there, and the harness reaches both through
sockets made inside.

Init gets its own budget, as in Lambda: the RIE starts its invoke clock before a lazy init and
counts init in the function's timeout, so it is told a longer timeout (init budget + timeout
+ a margin: a backstop that never fires first), and the harness enforces both limits itself
(watch.py) from the proxy's events: init ends at the runtime's first `next`, the handler's
clock starts when the invocation is handed to the runtime. An environment made to retry an
init that ran out of its budget (`init_in_timeout`) counts init in the timeout instead, as
Lambda's suppressed init does.

Freeze: the runtime's `next` after an answer freezes every process of the environment but the
RIE (tree.py); handing out the next invocation, or stopping, thaws them. With extensions in
the layers (extensions.py) the invocation lasts until each of them asked for the next event
too: the freeze, the timeout and Duration then end at the RIE's answer, which waits for them,
and init at the first hand-out.

Proactive init (`initialize_ahead`): Lambda may initialize an environment before any invocation
needs it; the first invocation then reports no Init Duration. Here the environment sends itself
an invocation that only makes the RIE start the runtime; the proxy answers it without showing it
to the runtime, whose first `next` then waits for the real first invocation.

What is measured (the RIE's own REPORT is not used: its Init Duration times an async call and
its Max Memory Used echoes the configuration, `printEndReports` in
aws-lambda-runtime-interface-emulator internal/lambda/rie/handlers.go):
- init: the RIE's `INIT REPORT(durationMs: ...)`, from starting the runtime to its first `next`;
- duration: from handing the invocation to the runtime to its answer (the proxy's clock), or,
  with extensions, to the RIE's answer (every extension asked for the next event);
- memory: the peak of the environment's processes (watch.py).
"""

from __future__ import annotations

import http.client
import os
import subprocess
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from harness.local import netns
from harness.local.config import LATEST, PUBLISHED_VERSION, FunctionConfig
from harness.local.env_vars import RIE_TIMEOUT, function_environment, rie_only
from harness.local.errors import StartError
from harness.local.extensions import check_supported, external_extensions
from harness.local.layout import Layout
from harness.local.log_event import LogEvent, now_ms
from harness.local.netns import (
    RIE_INVOKE_PORT,
    RIE_RUNTIME_API_PORT,
    RUNTIME_API_PORT,
    HelperGoneError,
    Loopback,
    UpstreamConnection,
    forwarded_ports,
)
from harness.local.output_reader import OutputReader
from harness.local.procs import command_line, free_port, port_accepts, release_port
from harness.local.progress import progress
from harness.local.rie_output import Event, LineKind, classify
from harness.local.runtime_api import Dispatch, RuntimeApiProxy
from harness.local.sandbox import Paths, host_paths, sandbox_paths, sandboxed
from harness.local.snapstart import SnapshotImage, runtime_command
from harness.local.telemetry_log import TELEMETRY_FD_ENV, telemetry_pipe
from harness.local.toolchain import Toolchain
from harness.local.tree import ProcessTree
from harness.local.watch import Phases, Verdict, Watch
from infra.snapstart import INITIALIZATION_TYPE_ENV, SNAPSTART_INITIALIZATION_TYPE

INVOKE_PATH: Final = "/2015-03-31/functions/function/invocations"
ENV: Final = "/usr/bin/env"
"""coreutils' `env`, where Lambda's image and the sandbox's /usr/bin have it."""
START_TIMEOUT_S: Final = 10.0
INIT_BUDGET_S: Final = 10.0
"""Lambda's: "The Init phase is limited to 10 seconds" (lambda-runtime-environment.html)."""
BACKSTOP_MARGIN_S: Final = 5
STOP_GRACE_S: Final = 3.0
_STARTS: Final = 3


@dataclass
class RawResult:
    """What one invoke produced, as the RIE, the proxy and the watch told it."""

    request_id: str
    status: int
    """The RIE's HTTP status (0: no response at all)."""
    body: bytes
    started_at: datetime
    init_ms: float | None = None
    init_status: str = ""
    init_in_timeout: bool = False
    """Init ran inside the invoke's timeout (a retried init): it is part of the duration."""
    duration_ms: float | None = None
    """From handing the invocation to the runtime to its answer, or with extensions to the RIE's
    answer (None: no answer)."""
    wall_ms: float = 0.0
    """From sending the invoke to the RIE's response, less init."""
    verdict: Verdict | None = None
    init_lines: list[LogEvent] = field(default_factory=list)
    lines: list[LogEvent] = field(default_factory=list)
    peak_rss_kb: int | None = None
    rie_tail: list[str] = field(default_factory=list)
    runtime_version: str = ""
    runtime_version_arn: str = ""
    log_stream: str = ""


@dataclass
class _Capture:
    rie_request_id: str = ""
    in_init: bool = False
    init_ms: float | None = None
    init_status: str = ""
    reported: bool = False
    init_lines: list[LogEvent] = field(default_factory=list)
    lines: list[LogEvent] = field(default_factory=list)


@dataclass
class _Call:
    """The invocation in flight, as the proxy sees it."""

    request_id: str
    trace_id: str
    sent: float
    dispatched: float | None = None
    answered: float | None = None


class Environment:
    def __init__(
        self,
        spec: FunctionConfig,
        layout: Layout,
        toolchain: Toolchain,
        *,
        sandbox: bool,
        init_budget_s: float = INIT_BUDGET_S,
        init_in_timeout: bool = False,
        image: SnapshotImage | None = None,
    ) -> None:
        """`image`: start from that SnapStart image (snapstart.py) instead of running init."""
        if image is not None and sandbox:
            raise StartError(
                f"{spec.name}: SnapStart's local mode runs without the sandbox (a restored "
                "environment is forked from the image, outside the sandbox's namespaces)"
            )
        self._extensions = external_extensions(layout.opt)
        check_supported(spec, self._extensions, sandbox=sandbox, emulated=toolchain.emulated)
        self.spec = spec
        self.id = uuid.uuid4().hex
        version = PUBLISHED_VERSION if spec.snap_start else LATEST
        self.log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{self.id}"
        self.last_used = time.monotonic()
        self._layout = layout
        self._toolchain = toolchain
        self._sandbox = sandbox
        self._own_network = sandbox and netns.enabled()
        self._loopback: Loopback | None = None
        self._paths: Paths = sandbox_paths(toolchain) if sandbox else host_paths(layout, toolchain)
        # An emulated runtime is `time_scale` times slower (measured): Lambda's limits are
        # scaled by it, so only what would time out on Lambda times out here.
        self._init_budget_s = init_budget_s * toolchain.time_scale
        self._timeout_s = spec.timeout * toolchain.time_scale
        self._start_timeout_s = START_TIMEOUT_S * (3 if toolchain.emulated else 1)
        self._init_in_timeout = init_in_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._tree: ProcessTree | None = None
        self._reader: OutputReader | None = None
        self._proxy: RuntimeApiProxy | None = None
        self._ports: tuple[int, int] = (0, 0)
        self._cond = threading.Condition()
        self._capture: _Capture | None = None
        self._call: _Call | None = None
        self._phases = Phases()
        self._initialized = False
        self._ahead = False
        """The invocation in flight is the environment's own, for a proactive init."""
        self._orphans: list[LogEvent] = []
        self._eof = False
        self._rie_tail: deque[str] = deque(maxlen=200)  # every output line (a Go panic is long)
        self._stopped = False
        self._image = image

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        for _attempt in range(_STARTS):
            try:
                spawned = self._spawn()
            except (StartError, HelperGoneError) as exc:
                self.stop()
                raise StartError(f"{self.spec.name}: {exc}") from exc
            if spawned:
                return
            in_use = any("address already in use" in line for line in self._rie_tail)
            self._terminate()
            if not in_use:
                break
            self._eof = False
        self.stop()
        raise StartError(
            f"the RIE for {self.spec.name} did not start listening within "
            f"{self._start_timeout_s} s; "
            f"its last lines: {list(self._rie_tail)[-8:]}"
        )

    def _spawn(self) -> bool:
        if self._own_network:
            api_port, runtime_port = RIE_INVOKE_PORT, RIE_RUNTIME_API_PORT
            proxy_port = RUNTIME_API_PORT  # served once the RIE listens (_serve_inside)
        else:
            api_port, runtime_port = free_port(), free_port()
            self._ports = (api_port, runtime_port)
            self._proxy = RuntimeApiProxy(runtime_port, self)
            proxy_port = self._proxy.start()
        paths = self._paths
        # `-S`, no site directories: kept, unverified. Lambda's python3.12+ bootstrap
        # (/var/runtime/bootstrap, bootstrap.py in public.ecr.aws/lambda/python:3.12) is in Git
        # LFS in aws/aws-lambda-base-images and not readable here; third parties' transcripts of
        # the python3.10/3.11 images show no `-S` and `site.addsitedir(LAMBDA_TASK_ROOT)`, as
        # does AWS SAM CLI's debug entry point for 3.12-3.14 (samcli/local/docker/
        # lambda_debug_settings.py); docs/local-runtime.md, "What differs": how Python starts.
        command = [paths.interpreter, "-S", "-m", "awslambdaric", self.spec.handler]
        if self._image is not None:
            command = runtime_command(paths.interpreter, self._image.socket_path)
        telemetry, telemetry_writer = telemetry_pipe()
        runtime = [
            ENV,
            "-u",
            RIE_TIMEOUT,
            f"AWS_LAMBDA_RUNTIME_API=127.0.0.1:{proxy_port}",
            f"{TELEMETRY_FD_ENV}={telemetry_writer}",
            *command,
        ]
        argv = [
            *([paths.emulator] if paths.emulator else []), paths.rie, "--log-level", "info",
            "--runtime-interface-emulator-address", f"127.0.0.1:{api_port}",
            "--runtime-api-address", f"127.0.0.1:{runtime_port}",
            *runtime,
        ]  # fmt: skip
        backstop = int(self._init_budget_s) + 1 + int(self._timeout_s) + 1 + BACKSTOP_MARGIN_S
        env = {
            **function_environment(self.spec, paths, log_stream=self.log_stream),
            **rie_only(backstop),
        }
        if self._image is not None:
            env[INITIALIZATION_TYPE_ENV] = SNAPSTART_INITIALIZATION_TYPE
        if self._sandbox:
            argv = sandboxed(
                argv,
                self._layout,
                self._toolchain,
                self.spec.ephemeral_storage,
                own_network=self._own_network,
            )
        try:
            self._proc = subprocess.Popen(
                argv,
                cwd="/" if self._sandbox else self._layout.task_root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(telemetry_writer,),
            )
        except BaseException:
            os.close(telemetry)
            raise
        finally:
            os.close(telemetry_writer)  # the environment's processes hold it now
        assert self._proc.stdout is not None
        self._tree = ProcessTree(
            self._proc,
            namespaced=self._sandbox,
            pipe_inode=os.fstat(self._proc.stdout.fileno()).st_ino,
            extensions_api=f"127.0.0.1:{runtime_port}",
        )
        self._reader = OutputReader(
            self._proc.stdout,
            f"rie-{self.spec.name}-{self.id[:8]}",
            self._on_line,
            self._on_eof,
            telemetry=telemetry,
            on_record=self._on_record,
        )
        self._reader.start()
        deadline = time.monotonic() + self._start_timeout_s
        if self._own_network:
            self._loopback = Loopback(self._proc.pid, self._start_timeout_s)
        while time.monotonic() < deadline:
            if self._accepts(api_port):
                return self._serve_inside(runtime_port)
            if self._proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    def _accepts(self, port: int) -> bool:
        return self._loopback.accepts(port) if self._loopback else port_accepts(port)

    def _serve_inside(self, runtime_port: int) -> bool:
        """With a loopback of its own: the Runtime API proxy and the relays, inside it."""
        if self._loopback is None:
            return True
        self._proxy = RuntimeApiProxy(runtime_port, self, self._loopback)
        self._proxy.start()
        for port in forwarded_ports(self.spec.environment):
            self._loopback.relay(port)
        return True

    def pids(self) -> list[int]:
        """The launcher, the RIE and every process under it (the runtime, what it started)."""
        return self._tree.pids() if self._tree is not None else []

    @property
    def alive(self) -> bool:
        return not self._stopped and self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop the RIE and everything under it, then collect what they printed. Idempotent."""
        with self._cond:
            if self._stopped:
                return
            self._stopped = True
        self._terminate()

    def _terminate(self) -> None:
        tree, reader = self._tree, self._reader
        if tree is not None:
            leftovers = [f"{pid} ({command_line(pid)[:80]})" for pid in tree.leftovers()]
            if leftovers and self._image is None:  # a restored runtime is not the RIE's child
                progress(
                    f"{self.spec.name}: the function left {len(leftovers)} process(es) "
                    f"running; killing them with the environment: {', '.join(leftovers)}"
                )
            tree.terminate(STOP_GRACE_S)
        if reader is not None:
            reader.wait(STOP_GRACE_S)  # the rest of the output, when every writer is gone
            reader.stop()
        if self._proxy is not None:
            self._proxy.stop()
        if self._loopback is not None:
            self._loopback.close()
        for port in self._ports:
            if port:
                release_port(port)
        self._ports = (0, 0)
        self._tree = self._reader = self._proxy = self._loopback = None

    # --- invoke -------------------------------------------------------------------------------

    def invoke(
        self, payload: bytes, *, request_id: str, trace_id: str, client_context: str | None = None
    ) -> RawResult:
        """Send one event through the RIE and return what happened (never raises for what the
        function did: timeouts, crashes, memory and init failures are results too).
        `client_context` is Invoke's base64 `X-Amz-Client-Context`, which the RIE passes on."""
        capture = _Capture()
        sent = time.monotonic()
        started_at = datetime.now(UTC)
        tree = self._tree
        if tree is None:  # stopped meanwhile (the pool is closing)
            return RawResult(request_id, 0, b"the environment was stopped", started_at)
        with self._cond:
            capture.lines, self._orphans = self._orphans, []
            self._capture = capture
            self._call = _Call(request_id, trace_id, sent)
            cold = not self._initialized
            if cold:
                budget = self._timeout_s if self._init_in_timeout else self._init_budget_s
                self._phases.init_ends = sent + budget
                self._phases.init_waits_excluded = not self._init_in_timeout
        watch = Watch(tree, self.spec.memory_size * 1024, self._phases)
        watch.start()
        status, body = self._post(payload, client_context)
        received = time.monotonic()
        verdict = watch.finish()
        if status != 200 or verdict is not None or body.startswith(b"Task timed out after "):
            self.stop()  # the runtime is gone or wedged; stopping also drains its output
        else:
            self._await_report(capture)
            if self._extensions:  # the RIE answers once every extension asked for the next event
                tree.freeze()
        with self._cond:
            self._capture, call, self._call = None, self._call, None
            self._phases.init_ends = self._phases.handler_ends = None
        self.last_used = time.monotonic()
        assert call is not None
        duration = None
        if call.dispatched is not None and call.answered is not None:
            # Lambda's Duration also counts the extensions' work after the answer: the invoke
            # ends when each of them asked for the next event, which the RIE's answer waits for
            ended = received if self._extensions else call.answered
            duration = (ended - call.dispatched) * 1000
        wall = (received - (call.dispatched or sent)) * 1000
        if call.dispatched is None:
            wall = max(wall - (capture.init_ms or 0.0), 0.0)
        if capture.rie_request_id:  # the RIE's own error documents name its request id
            body = body.replace(capture.rie_request_id.encode(), request_id.encode())
        return RawResult(
            request_id=request_id,
            status=status,
            body=body,
            started_at=started_at,
            init_ms=capture.init_ms if cold else None,
            init_status=capture.init_status,
            init_in_timeout=self._init_in_timeout and cold,
            duration_ms=duration,
            wall_ms=wall,
            verdict=verdict,
            init_lines=capture.init_lines,
            lines=capture.lines,
            peak_rss_kb=watch.peak_kb or None,
            rie_tail=list(self._rie_tail),
            runtime_version=self._toolchain.runtime_version,
            runtime_version_arn=self._toolchain.runtime_version_arn(self.spec.region),
            log_stream=self.log_stream,
        )

    def initialize_ahead(self) -> bool:
        """Run init now, before any invocation: False when it did not complete (the environment
        is then stopped). Its output is logged with the first invocation, as Lambda logs what an
        environment printed between invocations."""
        capture = _Capture()
        with self._cond:
            self._capture, self._ahead = capture, True
        status, _ = self._post(b"{}", None)
        done = status == 200 and self._initialized and not self._ahead
        if done:
            self._await_report(capture)
        with self._cond:
            self._capture, self._ahead = None, False
            self._orphans = [*capture.init_lines, *self._orphans]
        if not done:
            self.stop()
        return done

    def _post(self, payload: bytes, client_context: str | None) -> tuple[int, bytes]:
        backstop = self._init_budget_s + self._timeout_s + 2 * BACKSTOP_MARGIN_S
        loopback = self._loopback
        connection = (
            UpstreamConnection(loopback, RIE_INVOKE_PORT, timeout=backstop)
            if loopback is not None
            else http.client.HTTPConnection("127.0.0.1", self._ports[0], timeout=backstop)
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

    # --- the Runtime API proxy's events (runtime_api.Listener) ----------------------------------

    def runtime_waiting(self) -> None:
        """Init ends here, and the environment is frozen here after an answer, unless it has
        extensions: then init ends when the invocation is handed out (every extension is
        ready) and the freeze waits for the RIE's answer (every extension asked for the next
        event); until then the extensions may still be working, as on Lambda."""
        with self._cond:
            if not self._initialized:
                self._initialized = True
                if not self._extensions:
                    self._phases.init_ends = None
                return
            tree = self._tree
        if tree is not None and not self._extensions:
            tree.freeze()

    def dispatching(self) -> Dispatch | None:
        with self._cond:
            if self._ahead:
                self._ahead = False
                return None
        tree = self._tree
        if tree is not None and tree.frozen:
            tree.thaw()
        now = time.monotonic()
        with self._cond:
            call = self._call or _Call(str(uuid.uuid4()), "", now)
            call.dispatched = now
            start = call.sent if self._init_in_timeout else now
            ends = start + self._timeout_s
            self._phases.init_ends = None
            self._phases.handler_ends = ends
        return Dispatch(
            request_id=call.request_id,
            deadline_epoch_ms=int((time.time() + ends - now) * 1000),
            trace_id=call.trace_id,
            function_arn=self.spec.arn,
        )

    def answered(self) -> None:
        """The handler's Duration ends here; its timeout also covers the extensions' work after
        the answer ("the function and all extensions need to complete within" the timeout)."""
        with self._cond:
            if not self._extensions:
                self._phases.handler_ends = None
            if self._call is not None:
                self._call.answered = time.monotonic()

    # --- output -------------------------------------------------------------------------------

    def _on_line(self, text: str) -> None:
        events = classify(text)
        read_at = now_ms()
        with self._cond:
            self._rie_tail.append(text)
            for event in events:
                self._on_event(event, read_at)
            self._cond.notify_all()

    def _on_record(self, record: LogEvent) -> None:
        """A record awslambdaric framed on the telemetry log fd: one event, with its time."""
        with self._cond:
            self._rie_tail.append(record.message)
            self._file(record)
            self._cond.notify_all()

    def _on_eof(self) -> None:
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _on_event(self, event: Event, read_at: int) -> None:
        capture = self._capture
        if capture is None:
            if event.kind is LineKind.FUNCTION:
                self._file(LogEvent(event.text, read_at))
            return
        if not _record_platform_event(capture, event):
            self._file(LogEvent(event.text, read_at))

    def _file(self, event: LogEvent) -> None:
        """The function's output goes to the invocation in flight (its init, or its handler);
        between invocations, to the next one, as Lambda logs it."""
        capture = self._capture
        if capture is None:
            self._orphans.append(event)
        else:
            (capture.init_lines if capture.in_init else capture.lines).append(event)


def _record_platform_event(capture: _Capture, event: Event) -> bool:
    """Note what an RIE event says about the invoke; False for the function's own output
    (including a START/END/REPORT-looking line that is not about this request)."""
    kind = event.kind
    if kind is LineKind.FUNCTION:
        return False
    if kind in {LineKind.REQUEST_START, LineKind.REQUEST_END, LineKind.REQUEST_REPORT}:
        if kind is LineKind.REQUEST_START and not capture.rie_request_id:
            capture.rie_request_id = event.request_id
            return True
        if event.request_id != capture.rie_request_id or kind is LineKind.REQUEST_START:
            return False
        capture.reported = capture.reported or kind is LineKind.REQUEST_REPORT
    elif kind is LineKind.INIT_START:
        capture.in_init = True
    elif kind is LineKind.INIT_DONE:
        capture.init_status = capture.init_status or event.status
    elif kind is LineKind.INIT_REPORT:
        capture.in_init = False
        capture.init_ms = capture.init_ms if capture.init_ms is not None else event.duration_ms
    return True
