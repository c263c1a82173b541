"""The Runtime API proxy between the runtime and the RIE: what it shows the runtime (request id,
deadline, trace header, ARN), how it maps the answer back, the moments it reports, and HTTP the
way awslambdaric speaks it (large X-Ray error headers, chunked bodies, keep-alive)."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from harness.local.runtime_api import NEXT, Dispatch, RuntimeApiProxy

RIE_ID = "11111111-2222-3333-4444-555555555555"
OURS = Dispatch(
    request_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    deadline_epoch_ms=1_900_000_000_123,
    trace_id="Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
    function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
)


class FakeRie(socketserver.StreamRequestHandler):
    """The RIE's Runtime API, as far as the proxy needs it: records what it was sent."""

    seen: list[tuple[str, dict[str, str], bytes]]

    def handle(self) -> None:
        while True:
            start = self.rfile.readline()
            if not start:
                return
            headers: dict[str, str] = {}
            while (line := self.rfile.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = self.rfile.read(int(headers.get("content-length", 0)))
            path = start.decode().split(" ")[1]
            self.server.seen.append((path, headers, body))  # type: ignore[attr-defined]
            if path == NEXT:
                payload = b'{"event": 1}'
                head = (
                    "HTTP/1.1 200 OK\r\n"
                    f"Lambda-Runtime-Aws-Request-Id: {RIE_ID}\r\n"
                    "Lambda-Runtime-Deadline-Ms: 1\r\n"
                    "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:012345678912:"
                    "function:test_function\r\n"
                    "Content-Type: application/json\r\n"
                )
            else:
                payload, head = b"", "HTTP/1.1 202 Accepted\r\n"
            self.wfile.write(f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def runtime_waiting(self) -> None:
        self.events.append("waiting")

    def dispatching(self) -> Dispatch:
        self.events.append("dispatching")
        return OURS

    def answered(self) -> None:
        self.events.append("answered")


@pytest.fixture
def rie() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeRie)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxied(rie: Any) -> Iterator[tuple[socket.socket, Recorder]]:
    recorder = Recorder()
    proxy = RuntimeApiProxy(rie.server_address[1], recorder)
    port = proxy.start()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        yield connection, recorder
    proxy.stop()


def exchange(connection: socket.socket, request: bytes) -> tuple[str, dict[str, str], bytes]:
    connection.sendall(request)
    stream = connection.makefile("rb")
    status = stream.readline().decode().strip()
    headers: dict[str, str] = {}
    while (line := stream.readline()) != b"\r\n":
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, stream.read(int(headers["content-length"]))


def test_the_runtime_sees_the_harnesss_invocation_and_answers_the_rie_s(
    proxied: tuple[socket.socket, Recorder], rie: Any
) -> None:
    connection, recorder = proxied
    status, headers, body = exchange(connection, f"GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert (status, body) == ("HTTP/1.1 200 OK", b'{"event": 1}')
    assert headers["lambda-runtime-aws-request-id"] == OURS.request_id
    assert headers["lambda-runtime-deadline-ms"] == str(OURS.deadline_epoch_ms)
    assert headers["lambda-runtime-trace-id"] == OURS.trace_id
    assert headers["lambda-runtime-invoked-function-arn"] == OURS.function_arn
    cause = "x" * 200_000  # awslambdaric sends X-Ray error causes of up to 1 MB in a header
    answer = (
        f"POST /2018-06-01/runtime/invocation/{OURS.request_id}/error HTTP/1.1\r\nHost: x\r\n"
        f"Lambda-Runtime-Function-XRay-Error-Cause: {cause}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    ).encode()
    status, _, _ = exchange(connection, answer)  # the same keep-alive connection
    assert status == "HTTP/1.1 202 Accepted"
    path, sent, body = rie.seen[-1]
    assert path == f"/2018-06-01/runtime/invocation/{RIE_ID}/error"
    assert sent["lambda-runtime-function-xray-error-cause"] == cause
    assert body == b"hello world"
    assert recorder.events == ["waiting", "dispatching", "answered"]
