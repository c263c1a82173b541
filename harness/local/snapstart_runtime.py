"""The runtime side of the local SnapStart mode: runs inside the function's interpreter.

Never imported by the harness: `snapstart.py` passes this file's text to the runtime's
interpreter as `python -S -c <text> image <socket> <handler>` (the snapshot) or
`python -S -c <text> restore <socket>` (a restored environment, which the RIE starts as its
runtime). Standard library only; the function's own `sys.path` is untouched.

- `image`: awslambdaric runs unchanged (init, the before-snapshot hooks, `GET /runtime/
  restore/next`), except that its `restore_next` then turns the process into the image: it
  listens on `<socket>` and never serves an invocation. For each restore it forks; the child
  sets `random`'s state back to the image's (CPython's at-fork hook reseeded it: Lambda's
  restore reseeds nothing), gives every inherited TCP connection a dead socket in its place
  (a snapshot's connections do not survive the restore), takes the environment's stdin/stdout/
  stderr, its telemetry log fd (in place of the image's: awslambdaric's log sink writes to that
  descriptor) and its Runtime API address, and returns from `restore_next`: awslambdaric runs the
  after-restore hooks and asks that environment's Runtime API for its first invocation.
  awslambdaric's native HTTP client (`runtime_client`, aws-lambda-cpp) fixes its endpoint when
  it is first initialised, before the snapshot; the child's calls go through `_RuntimeClient`,
  the same Runtime API requests made with http.client, to the environment's own endpoint.
- `restore`: a stand-in for the restored process in the environment's process tree: it hands
  its stdio and Runtime API address to the image, reports the child's pid, forwards SIGTERM and
  SIGINT to it and lives until it exits.
"""

import contextlib
import http.client
import json
import os
import random
import signal
import socket
import stat
import sys
from pathlib import Path
from typing import Any

PASSED_ENV = ("AWS_LAMBDA_RUNTIME_API",)
TELEMETRY_FD_ENV = "_LAMBDA_TELEMETRY_LOG_FD"  # telemetry_log.py's (this file imports nothing)
_image_telemetry_fd: list[int] = []  # the image's telemetry log fd, which its log sink writes to
_keep: list[object] = []  # the restored child's control connection: open while it lives


def _dead_tcp_sockets(keep: set[int]) -> None:
    """Replace each connected TCP socket with an unconnected one: its users see it broken."""
    for entry in Path("/proc/self/fd").iterdir():
        fd = int(entry.name)
        if fd in keep:
            continue
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            probe = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            family, kind = probe.family, probe.type
            probe.getpeername()
        except OSError:
            continue  # not connected (a listener, or already broken)
        finally:
            probe.close()
        if family in (socket.AF_INET, socket.AF_INET6) and kind == socket.SOCK_STREAM:
            replacement = socket.socket(family, socket.SOCK_STREAM)
            os.dup2(replacement.fileno(), fd, inheritable=False)
            replacement.close()


_INVOCATION_HEADERS = (
    "Lambda-Runtime-Aws-Request-Id",
    "Lambda-Runtime-Trace-Id",
    "Lambda-Runtime-Invoked-Function-Arn",
    "Lambda-Runtime-Deadline-Ms",
    "Lambda-Runtime-Client-Context",
    "Lambda-Runtime-Cognito-Identity",
    "Lambda-Runtime-Aws-Tenant-Id",
    "Lambda-Runtime-Invocation-Id",
    "Content-Type",
)


class _RuntimeClient:
    """What awslambdaric calls on its native `runtime_client`, over http.client."""

    def __init__(self, address: str, user_agent: str) -> None:
        self.address = address
        self.user_agent = user_agent

    def _call(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        expected: int = 202,
    ) -> tuple[bytes, http.client.HTTPMessage]:
        connection = http.client.HTTPConnection(self.address)
        try:
            connection.request(
                method, path, body, {"User-Agent": self.user_agent, **(headers or {})}
            )
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        if response.status != expected:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {payload[:200]!r}")
        return payload, response.msg

    def next(self) -> tuple[bytes, dict[str, Any]]:
        """The event and the headers awslambdaric reads, as the native client gives them (the
        deadline as an int)."""
        body, message = self._call("GET", "/2018-06-01/runtime/invocation/next", expected=200)
        headers: dict[str, Any] = {
            name: message[name] for name in _INVOCATION_HEADERS if message[name] is not None
        }
        deadline = headers.get("Lambda-Runtime-Deadline-Ms")
        if deadline is not None:
            headers["Lambda-Runtime-Deadline-Ms"] = int(deadline)
        return body, headers

    def post_invocation_result(
        self, invoke_id: str, result: bytes, content_type: str, invocation_id: object = None
    ) -> None:
        path = f"/2018-06-01/runtime/invocation/{invoke_id}/response"
        self._call("POST", path, result, {"Content-Type": content_type})

    def post_error(
        self,
        invoke_id: str,
        error_response_data: str,
        xray_fault: str,
        invocation_id: object = None,
    ) -> None:
        try:
            error_type = json.loads(error_response_data).get("errorType") or "Runtime.Unknown"
        except (ValueError, AttributeError):
            error_type = "Runtime.Unknown"
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": error_type,
        }
        if xray_fault:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray_fault
        path = f"/2018-06-01/runtime/invocation/{invoke_id}/error"
        self._call("POST", path, error_response_data, headers)


def _become_restored(
    client: Any, conn: socket.socket, message: dict[str, Any], fds: list[int]
) -> None:
    os.setsid()  # a process group of its own, as the RIE gives its runtime
    targets = [0, 1, 2, *_image_telemetry_fd][: len(fds)]
    for index, fd in enumerate(fds):
        if index < len(targets):
            os.dup2(fd, targets[index])
        os.close(fd)
    os.environ.update(message["environ"])
    _dead_tcp_sockets({*targets, conn.fileno()})
    from awslambdaric import lambda_runtime_client  # noqa: PLC0415

    address = os.environ["AWS_LAMBDA_RUNTIME_API"]
    client.lambda_runtime_address = address
    lambda_runtime_client.runtime_client = _RuntimeClient(
        address, lambda_runtime_client._user_agent()
    )
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    _keep.append(conn)


def _serve_restores(client: Any, path: str) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".partial")
    listener.listen(64)
    Path(path + ".partial").rename(path)  # the image is ready once the socket has its name
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps restored environments
    while True:
        conn, _ = listener.accept()
        message, fds, _flags, _address = socket.recv_fds(conn, 1 << 16, 4)
        state = random.getstate()
        pid = os.fork()
        if pid == 0:
            random.setstate(state)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            listener.close()
            _become_restored(client, conn, json.loads(message), fds)
            return
        conn.close()
        for fd in fds:
            os.close(fd)


def image(path: str, handler: str) -> None:
    from awslambdaric import __main__ as ric  # noqa: PLC0415
    from awslambdaric.lambda_runtime_client import LambdaRuntimeClient  # noqa: PLC0415

    original = LambdaRuntimeClient.restore_next

    def restore_next(self: Any) -> None:
        original(self)
        _serve_restores(self, path)

    LambdaRuntimeClient.restore_next = restore_next
    if TELEMETRY_FD_ENV in os.environ:  # awslambdaric takes the variable out when it reads it
        _image_telemetry_fd.append(int(os.environ[TELEMETRY_FD_ENV]))
    ric.main([sys.argv[0], handler])


def restore(path: str) -> None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    environ = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    fds = [0, 1, 2]
    if TELEMETRY_FD_ENV in os.environ:
        fds.append(int(os.environ[TELEMETRY_FD_ENV]))
    socket.send_fds(conn, [json.dumps({"environ": environ}).encode()], fds)
    for fd in fds:  # the restored process holds them now
        os.close(fd)
    reader = conn.makefile("rb")
    line = reader.readline()
    if not line:
        sys.exit(70)  # the image is gone
    pid = json.loads(line)["pid"]

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while reader.read(1):
        pass  # EOF: the restored process exited


if __name__ == "__main__":
    if sys.argv[1] == "image":
        image(sys.argv[2], sys.argv[3])
    else:
        restore(sys.argv[2])
