"""Each sandboxed environment has a loopback of its own (a network namespace): the host's
services on 127.0.0.1 are out of reach, any port is free to bind in every environment at once,
and what the function reaches on AWS (the Runtime API, the HoneyHive API) it still reaches."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from harness.local import netns
from harness.local.errors import StartError
from harness.local.invocation import EmulatedInvocation
from infra.spec import ENV_API_URL, REPO_ROOT
from tests.harness.local.fixtures import needs_sandbox

COLLECTOR_PORT = 4318
"""A fixed port a function's own collector listens on (OTLP over HTTP)."""
needs_own_loopback = pytest.mark.skipif(
    netns.unavailable() is not None,
    reason=f"this machine cannot give functions a loopback: {netns.unavailable()}",
)


class Greeter:
    """A server on the host's 127.0.0.1 that says its name to whoever connects."""

    def __init__(self, name: str) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._name = name.encode()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(self._name)

    def close(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()


@pytest.fixture
def greeters() -> Iterator[Any]:
    made: list[Greeter] = []

    def make(name: str) -> Greeter:
        made.append(Greeter(name))
        return made[-1]

    yield make
    for greeter in made:
        greeter.close()


def probe(pool: Any, **event: Any) -> Any:
    invocation: EmulatedInvocation = pool.invoke(json.dumps(event).encode())
    return json.loads(invocation.payload)


@pytest.mark.slow
@needs_sandbox
@needs_own_loopback
def test_host_services_are_out_of_reach_and_their_ports_free(pools: Any, greeters: Any) -> None:
    host, ingest = greeters("host"), greeters("ingest")
    pool = pools(
        "net-fn", "network.probe", environment={ENV_API_URL: f"http://127.0.0.1:{ingest.port}"}
    )
    seen = probe(pool, connect=[host.port, ingest.port], bind=[host.port])
    assert seen["connect"] == {
        str(host.port): "ECONNREFUSED",  # the host's loopback is not the function's
        str(ingest.port): "connected:ingest",  # the HoneyHive API is reached, as on AWS
    }
    assert seen["bind"] == {str(host.port): "bound"}  # the host holds it; inside, it is free
    assert seen["runtimeApi"] == f"127.0.0.1:{netns.RUNTIME_API_PORT}"  # Lambda's address


@pytest.mark.slow
@needs_sandbox
@needs_own_loopback
def test_two_environments_bind_one_fixed_port_at_once(pools: Any) -> None:
    first, second = pools("net-a-fn", "network.probe"), pools("net-b-fn", "network.probe")
    assert probe(first, bind=[COLLECTOR_PORT])["bind"] == {str(COLLECTOR_PORT): "bound"}
    assert probe(second, bind=[COLLECTOR_PORT])["bind"] == {str(COLLECTOR_PORT): "bound"}
    assert probe(first)["held"] == [COLLECTOR_PORT]  # the first still holds it


@pytest.mark.parametrize(
    ("url", "ports"),
    [
        ("http://127.0.0.1:8123", [8123]),
        ("http://localhost:9", [9]),
        ("http://[::1]:7001/api", [7001]),
        ("https://localhost", [443]),
        ("http://localhost", [80]),
        ("https://api.honeyhive.ai", []),  # reached through the internet on AWS: not a relay
        ("http://127.0.0.1:99999", []),  # no such port
        ("", []),
    ],
)
def test_only_a_loopback_honeyhive_url_is_relayed(url: str, ports: list[int]) -> None:
    assert netns.forwarded_ports({ENV_API_URL: url} if url else {}) == ports


def test_every_api_url_variable_is_relayed_once_per_port() -> None:
    environment = {
        "HH_OTLP_ENDPOINT": "http://127.0.0.1:4318/v1/traces",
        "HH_SERVER_URL": "http://localhost:8123",
        ENV_API_URL: "http://127.0.0.1:8123",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",  # the function's own collector
    }
    assert sorted(netns.forwarded_ports(environment)) == [4318, 8123]


def test_what_differs_names_the_ports_held_inside() -> None:
    page = (REPO_ROOT / "docs" / "local-runtime.md").read_text()
    (row,) = [line for line in page.splitlines() if line.startswith("| network |")]
    assert f"`127.0.0.1:{netns.RUNTIME_API_PORT}`" in row
    assert f"ports {netns.RIE_INVOKE_PORT} and {netns.RIE_RUNTIME_API_PORT}" in row


def test_a_process_without_a_namespace_of_its_own_is_refused() -> None:
    with pytest.raises(StartError, match=r"made no network namespace within 0\.05 s"):
        netns.Loopback(os.getpid(), 0.05)


def test_without_network_namespaces_the_environments_say_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(netns, "unavailable", lambda: "iproute2's `ip` is not installed")
    netns.enabled.cache_clear()
    try:
        assert netns.enabled() is False
        assert netns.enabled() is False
    finally:
        netns.enabled.cache_clear()
    said = capsys.readouterr().err
    assert said.count("no own loopback for the functions (iproute2's `ip` is not installed") == 1
    assert f"install: {netns.INSTALL}" in said


@pytest.fixture
def namespace() -> Iterator[subprocess.Popen[bytes]]:
    """A process in a network namespace of its own, its loopback up (as the sandbox makes it)."""
    script = netns.bring_up_loopback() + "exec sleep 60"
    unshare = ["unshare", "--user", "--map-root-user", *netns.UNSHARE_NET]
    process = subprocess.Popen([*unshare, "/bin/sh", "-c", script])
    yield process
    process.kill()
    process.wait()


@needs_own_loopback
def test_the_relay_carries_a_large_exchange_both_ways(namespace: Any) -> None:
    upload, reply = os.urandom(3 * 1024 * 1024), os.urandom(1024 * 1024)
    received: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as host:
        port = host.getsockname()[1]

        def answer() -> None:
            connection, _ = host.accept()
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                received.append(b"".join(chunks))
                connection.sendall(reply)

        server = threading.Thread(target=answer, daemon=True)
        server.start()
        loopback = netns.Loopback(namespace.pid, 5)
        try:
            assert not loopback.accepts(port)  # inside, nothing listens on the host's port
            loopback.relay(port)
            with loopback.connect(port, 10) as inside:
                inside.sendall(upload)
                inside.shutdown(socket.SHUT_WR)
                answered = b""
                while chunk := inside.recv(65536):
                    answered += chunk
            server.join(10)
        finally:
            loopback.close()
    assert received == [upload]
    assert answered == reply
    assert namespace.poll() is None  # closing the loopback leaves the environment to its owner
