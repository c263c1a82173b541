"""The Runtime API the function's runtime talks to: a proxy in front of the RIE's.

Lambda's Runtime API hands an invocation to the runtime (`GET /2018-06-01/runtime/invocation/
next`) and takes its answer (`POST .../invocation/<request id>/response` or `/error`). The RIE
implements it, but some of what Lambda does there cannot be had from the RIE, so the runtime
talks to this proxy (its AWS_LAMBDA_RUNTIME_API points here) and the proxy to the RIE:
- the deadline: Lambda's `Lambda-Runtime-Deadline-Ms` is when the invocation reaches the
  runtime plus the function's timeout (init has a budget of its own); the RIE starts its clock
  before a cold start's init and is told a longer timeout, as a backstop (environment.py);
- the request id: the harness chooses it (an Event invoke answers 202 with it before the
  function runs, and its retries reuse it); the proxy shows it to the runtime and maps the
  runtime's answer back to the id the RIE gave;
- the trace header (`Lambda-Runtime-Trace-Id`: awslambdaric sets `_X_AMZN_TRACE_ID` from it)
  and the function's own ARN (`Lambda-Runtime-Invoked-Function-Arn`: the RIE makes one up);
- the moments that matter: the runtime's first `next` ends init; handing out an invocation
  starts the handler's clock; the answer stops it; a `next` after an answer is where Lambda
  freezes the environment (until the next invocation is handed out);
- a proactive init (the environment's own invocation, which only starts the runtime): the
  proxy answers it to the RIE itself, and the runtime's first `next` waits for the next one.
The listener (the environment) is told of each moment, on the proxy's thread, before the
message goes on. In an environment with a loopback of its own (netns.py), the proxy listens at
Lambda's 127.0.0.1:9001 inside it and reaches the RIE there.

HTTP is handled at the byte level: the runtime's error post may carry an X-Ray cause header of
up to 1 MB, beyond what `http.server` accepts.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import re
import socket
import socketserver
import threading
from dataclasses import dataclass
from typing import Final, Protocol

from harness.local.netns import RUNTIME_API_PORT, Loopback, UpstreamConnection

NEXT: Final = "/2018-06-01/runtime/invocation/next"
# SnapStart's (awslambdaric's on_init_complete): the RIE serves them only in an internal mode, so
# the proxy answers. `restore/next` returns at once here (an environment that asks was never
# snapshotted; the local SnapStart mode's image has a Runtime API of its own, snapstart.py);
# `restore/error` is taken as Lambda takes it, and the runtime then exits.
RESTORE_NEXT: Final = "/2018-06-01/runtime/restore/next"
RESTORE_ERROR: Final = "/2018-06-01/runtime/restore/error"
_ANSWER: Final = re.compile(
    r"^/2018-06-01/runtime/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$"
)
MAX_HEAD_BYTES: Final = 2 * 1024 * 1024
_HOP_BY_HOP: Final = frozenset(
    {"connection", "content-length", "transfer-encoding", "host", "keep-alive"}
)

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Dispatch:
    """What the runtime is shown for the invocation the RIE hands out."""

    request_id: str
    deadline_epoch_ms: int
    trace_id: str
    function_arn: str


class Listener(Protocol):
    def runtime_waiting(self) -> None:
        """The runtime asked for the next invocation (init is done, or its answer was)."""

    def dispatching(self) -> Dispatch | None:
        """The RIE handed an invocation out; it reaches the runtime when this returns. None:
        it was the environment's own (a proactive init's), never shown to the runtime."""

    def answered(self) -> None:
        """The runtime is posting its response or error for the current invocation."""


class RuntimeApiProxy:
    """`start()` listens on a free 127.0.0.1 port (`port`), or on RUNTIME_API_PORT inside
    `loopback`; `stop()` closes every connection."""

    def __init__(
        self, upstream_port: int, listener: Listener, loopback: Loopback | None = None
    ) -> None:
        self._upstream_port = upstream_port
        self._listener = listener
        self._loopback = loopback
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def upstream_port(self) -> int:
        return self._upstream_port

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Runtime API proxy is not started")
        return int(self._server.server_address[1])

    def start(self) -> int:
        inside = self._loopback.listener(RUNTIME_API_PORT) if self._loopback else None
        self._server = _Server(self, inside)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="runtime-api",
            daemon=True,
        )
        self._thread.start()
        return self.port

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        thread.join()
        self._server = self._thread = None

    # --- one message -------------------------------------------------------------------------

    def upstream(self) -> http.client.HTTPConnection:
        """A connection to the RIE's Runtime API (made on first use)."""
        if self._loopback is not None:
            return UpstreamConnection(self._loopback, self._upstream_port)
        return http.client.HTTPConnection("127.0.0.1", self._upstream_port)

    def forward(self, upstream: http.client.HTTPConnection, request: _Message) -> _Message:
        """Send the runtime's request on to the RIE; the RIE's answer, as the runtime sees it."""
        path = request.target
        if path == RESTORE_NEXT and request.method == "GET":
            return _Message("HTTP/1.1 200 OK", [], b"")
        if path == RESTORE_ERROR and request.method == "POST":
            return _Message("HTTP/1.1 202 Accepted", [], b"")
        if request.method == "GET" and path == NEXT:
            self._listener.runtime_waiting()
        elif request.method == "POST" and (answer := _ANSWER.match(path)):
            self._listener.answered()  # the clock stops when the answer arrives, as Lambda's
            with self._lock:
                rie_id = self._ids.pop(answer["id"], answer["id"])
            path = f"/2018-06-01/runtime/invocation/{rie_id}/{answer['kind']}"
        upstream.putrequest(request.method, path, skip_host=True, skip_accept_encoding=True)
        upstream.putheader("Host", f"127.0.0.1:{self._upstream_port}")
        for name, value in request.headers:
            if name.lower() not in _HOP_BY_HOP:
                upstream.putheader(name, value)
        upstream.putheader("Content-Length", str(len(request.body)))
        upstream.endheaders(request.body)
        reply = _response(upstream)
        while request.method == "GET" and path == NEXT and reply.start.split(" ")[1] == "200":
            shown = self._dispatch(reply)
            if shown is not None:
                return shown
            # A proactive init's invocation: answered here; the runtime waits for the next.
            rie_id = reply.header("Lambda-Runtime-Aws-Request-Id")
            _send(upstream, "POST", f"/2018-06-01/runtime/invocation/{rie_id}/response", b"{}")
            _response(upstream)
            _send(upstream, "GET", NEXT, b"")
            reply = _response(upstream)
        return reply

    def _dispatch(self, reply: _Message) -> _Message | None:
        rie_id = reply.header("Lambda-Runtime-Aws-Request-Id")
        dispatch = self._listener.dispatching()
        if dispatch is None:
            return None
        with self._lock:
            self._ids[dispatch.request_id] = rie_id
        shown = {
            "lambda-runtime-aws-request-id": dispatch.request_id,
            "lambda-runtime-deadline-ms": str(dispatch.deadline_epoch_ms),
            "lambda-runtime-trace-id": dispatch.trace_id,
            "lambda-runtime-invoked-function-arn": dispatch.function_arn,
        }
        headers = [(k, v) for k, v in reply.headers if k.lower() not in shown]
        headers += list(shown.items())
        return _Message(reply.start, headers, reply.body)


def _send(upstream: http.client.HTTPConnection, method: str, path: str, body: bytes) -> None:
    upstream.request(method, path, body=body, headers={"Content-Length": str(len(body))})


def _response(upstream: http.client.HTTPConnection) -> _Message:
    response = upstream.getresponse()
    return _Message(
        f"HTTP/1.1 {response.status} {response.reason}",
        [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP],
        response.read(),
    )


@dataclass(frozen=True)
class _Message:
    start: str
    """The request line or the status line."""
    headers: Headers
    body: bytes

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.start.split(" ")[1]

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), "")

    def encode(self) -> bytes:
        head = [self.start, *(f"{k}: {v}" for k, v in self.headers)]
        head.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + self.body


class _ProtocolError(Exception):
    pass


def _read_message(stream: io.BufferedIOBase) -> _Message | None:
    """One HTTP/1.1 request from the runtime (None: it closed the connection)."""
    lines: list[str] = []
    size = 0
    while True:
        raw = stream.readline(MAX_HEAD_BYTES + 1)
        if not raw:
            if lines:
                raise _ProtocolError("the connection closed inside a message head")
            return None
        size += len(raw)
        if size > MAX_HEAD_BYTES:
            raise _ProtocolError(f"a message head over {MAX_HEAD_BYTES} bytes")
        if raw in (b"\r\n", b"\n"):
            if not lines:
                continue  # tolerated between messages
            break
        lines.append(raw.decode("latin-1").rstrip("\r\n"))
    headers: Headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise _ProtocolError(f"a header line without a colon: {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    message = _Message(lines[0], headers, b"")
    if message.header("Transfer-Encoding").lower() == "chunked":
        body = _read_chunked(stream)
    else:
        body = stream.read(int(message.header("Content-Length") or 0))
    return _Message(message.start, headers, body)


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(stream.readline(1024).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(MAX_HEAD_BYTES) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline(8)


class _Connection(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.track(self.connection)
        upstream = self.server.proxy.upstream()
        try:
            while (request := _read_message(self.rfile)) is not None:
                reply = self.server.proxy.forward(upstream, request)
                self.wfile.write(reply.encode())
                self.wfile.flush()
        except (OSError, http.client.HTTPException, _ProtocolError, ValueError):
            pass  # the runtime or the RIE went away: the runtime sees its connection close
        finally:
            upstream.close()
            self.server.untrack(self.connection)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, proxy: RuntimeApiProxy, listening: socket.socket | None) -> None:
        super().__init__(("127.0.0.1", 0), _Connection, bind_and_activate=listening is None)
        if listening is not None:
            self.socket.close()
            self.socket = listening
            self.server_address = listening.getsockname()
        self.proxy = proxy
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def drop_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
