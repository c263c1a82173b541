"""An own loopback per execution environment: a network namespace, and the harness's way in.

On Lambda the sandbox's loopback is its own: a function reaches no service of the machine it
runs on, and binds any port (a collector on 4318 in every sandbox) without colliding with
anything. Here each sandboxed environment gets a network namespace (`unshare --net`, owned by
the sandbox's user namespace, so no privilege is needed); the setup brings its `lo` up
(iproute2's `ip`) before the RIE starts. Nothing else is in it: no route leaves it.

The harness stays outside (its threads and memory are not the function's): a small helper
joins the namespace (util-linux `nsenter`; the owner of a user namespace may enter it) and
hands the harness TCP sockets made there, over a Unix socket pair (SCM_RIGHTS). A socket stays
in the namespace it was made in, whoever uses it. With them the harness
- reaches the RIE's invoke and Runtime API ports, fixed ports inside the namespace;
- serves the Runtime API proxy at 127.0.0.1:9001 inside it, Lambda's address;
- relays the port of a loopback HoneyHive API URL (`HH_API_URL`, `HH_OTLP_ENDPOINT`...: the
  local ingest; on AWS the SDK reaches HoneyHive's public API) to the same port on the host's.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from harness.local.errors import StartError
from harness.local.procs import probe_failure
from harness.local.progress import progress
from infra.spec import API_URL_VARIABLES, LOOPBACK_HOSTS

RUNTIME_API_PORT: Final = 9001
"""Where a function finds the Runtime API on Lambda (AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001)."""
RIE_INVOKE_PORT: Final = 65530
RIE_RUNTIME_API_PORT: Final = 65531
"""The RIE's own ports inside the namespace: above Linux's ephemeral range, rarely chosen."""
UNSHARE_NET: Final = ("--net",)
SBIN_PATH: Final = "/usr/sbin:/sbin:/usr/bin:/bin"
INSTALL: Final = "apt-get install -y iproute2 util-linux"
_PROBE_TIMEOUT_S: Final = 20
_CHUNK: Final = 64 * 1024
# Run by the harness's interpreter inside the namespace: one new TCP socket per byte asked for;
# it ends when the harness closes its end (the harness ended too).
_HELPER: Final = """import socket, sys
channel = socket.socket(fileno=int(sys.argv[1]))
while channel.recv(1):
    made = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    socket.send_fds(channel, [b"s"], [made.fileno()])
    made.close()
"""


def bring_up_loopback() -> str:
    """The shell line that, run first in the new namespaces, brings `lo` up (it starts down)."""
    return f"{_ip()} link set lo up || exit 1\n"


def forwarded_ports(environment: Mapping[str, str]) -> list[int]:
    """The host ports the function reaches as it reaches them on AWS: the HoneyHive API's, when
    the harness points the SDK at a local ingest (the pack refuses a loopback API URL on every
    deployed stack, so one here always names a service of this machine)."""
    ports: list[int] = []
    for name in API_URL_VARIABLES:
        port = _loopback_port(environment.get(name, ""))
        if port is not None and port not in ports:
            ports.append(port)
    return ports


def _loopback_port(url: str) -> int | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return port if parts.hostname in LOOPBACK_HOSTS else None


def _user_namespace(pid: int) -> tuple[str, ...]:
    """`--user` where the namespace is owned by a user namespace of its own (the harness is not
    root, sandbox.py); as root it is the harness's own, which setns(2) refuses to re-enter."""
    ours = Path("/proc/self/ns/user").readlink()
    return () if Path(f"/proc/{pid}/ns/user").readlink() == ours else ("--user",)


class HelperGoneError(OSError):
    """The helper that makes sockets inside the namespace is gone (or never started)."""


class Loopback:
    """The network namespace of the process `pid` (an `unshare --net`), seen from the harness."""

    def __init__(self, pid: int, timeout_s: float) -> None:
        _await_namespace(pid, timeout_s)
        self._channel, theirs = socket.socketpair()
        self._lock = threading.Lock()
        self._relays: list[_Relay] = []
        nsenter = shutil.which("nsenter") or "nsenter"
        argv = [
            nsenter, f"--target={pid}", *_user_namespace(pid), "--net", "--preserve-credentials",
            sys.executable, "-I", "-S", "-c", _HELPER, str(theirs.fileno()),
        ]  # fmt: skip
        with theirs:
            self._helper = subprocess.Popen(
                argv,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

    def new_socket(self) -> socket.socket:
        """A new TCP socket in the namespace."""
        with self._lock:
            try:
                self._channel.sendall(b"s")
                _, fds, _, _ = socket.recv_fds(self._channel, 1, 1)
            except OSError:
                fds = []
        if not fds:
            raise HelperGoneError(
                f"no socket from the environment's network namespace: {self._why()}"
            )
        return socket.socket(fileno=fds[0])

    def connect(self, port: int, timeout: float | None = None) -> socket.socket:
        """A connection to 127.0.0.1:`port` inside the namespace."""
        sock = self.new_socket()
        try:
            sock.settimeout(timeout)
            sock.connect(("127.0.0.1", port))
        except OSError:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def accepts(self, port: int) -> bool:
        """Whether something listens on `port` inside (HelperGoneError: cannot be known)."""
        with self.new_socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex(("127.0.0.1", port)) == 0

    def listener(self, port: int) -> socket.socket:
        """A socket listening on 127.0.0.1:`port` inside the namespace."""
        sock = self.new_socket()
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            sock.close()
            raise
        return sock

    def relay(self, port: int) -> None:
        """Connections to 127.0.0.1:`port` inside the namespace reach the host's."""
        try:
            listener = self.listener(port)
        except OSError as exc:
            raise StartError(
                f"cannot relay port {port} into the environment's network namespace: {exc}"
            ) from exc
        relay = _Relay(listener, port)
        self._relays.append(relay)
        relay.start()

    def close(self) -> None:
        for relay in self._relays:
            relay.stop()
        self._channel.close()  # the helper's recv ends: it exits
        try:
            self._helper.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._helper.kill()
            self._helper.wait()
        if self._helper.stderr is not None:
            self._helper.stderr.close()

    def _why(self) -> str:
        if self._helper.poll() is None:
            return "the helper in it does not answer"
        assert self._helper.stderr is not None
        try:
            said = self._helper.stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):  # closed: the environment was stopped meanwhile
            said = ""
        return f"`nsenter` exited {self._helper.returncode}: {said or 'nothing said'}"


class UpstreamConnection(http.client.HTTPConnection):
    """An HTTP connection to 127.0.0.1:`port` inside `loopback` (reconnects there too)."""

    def __init__(self, loopback: Loopback, port: int, timeout: float | None = None) -> None:
        super().__init__("127.0.0.1", port, timeout=timeout)
        self._loopback = loopback

    def connect(self) -> None:
        self.sock = self._loopback.connect(self.port, self.timeout)


class _Relay:
    """Accepts inside the namespace, connects on the host's loopback, copies both ways."""

    def __init__(self, listener: socket.socket, port: int) -> None:
        self._listener = listener
        self._port = port
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name=f"relay-{port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self._listener.close()
        self._thread.join()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _accept(self) -> None:
        while True:
            try:
                inside, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(inside,), daemon=True).start()

    def _serve(self, inside: socket.socket) -> None:
        try:
            outside = socket.create_connection(("127.0.0.1", self._port))
        except OSError:
            inside.close()  # as the host answered: refused
            return
        with self._lock:
            self._open |= {inside, outside}
        back = threading.Thread(target=_copy, args=(outside, inside), daemon=True)
        back.start()
        _copy(inside, outside)
        back.join()
        with self._lock:
            self._open -= {inside, outside}
        inside.close()
        outside.close()


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(_CHUNK):
            target.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _await_namespace(pid: int, timeout_s: float) -> None:
    """Until `unshare` (`pid`) has made its namespaces: `nsenter` then joins the new ones."""
    ours = Path("/proc/self/ns/net").readlink()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/ns/net").readlink() != ours:
                return
        except OSError as exc:
            raise StartError(f"`unshare` ended before making its network namespace: {exc}") from exc
        time.sleep(0.001)
    raise StartError(f"`unshare` made no network namespace within {timeout_s} s")


@functools.cache
def _ip() -> str:
    return shutil.which("ip", path=SBIN_PATH) or "ip"


@functools.cache
def enabled() -> bool:
    """Whether sandboxed environments get a loopback of their own; when not, says so once."""
    reason = unavailable()
    if reason is not None:
        progress(
            f"no own loopback for the functions ({reason}; install: {INSTALL}): they share this "
            "machine's, reach its services on 127.0.0.1, and two of them binding one port collide"
        )
    return reason is None


@functools.cache
def unavailable() -> str | None:
    """Why this machine cannot give environments a network namespace (None: it can)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "util-linux `unshare` is not installed"
    if shutil.which("nsenter") is None:
        return "util-linux `nsenter` is not installed"
    if shutil.which("ip", path=SBIN_PATH) is None:
        return "iproute2's `ip` is not installed"
    if not Path("/proc/self/ns/net").exists():
        return "this kernel has no network namespaces"
    # What an environment's start does: `lo` up, then the helper's interpreter run inside.
    script = '"$1" link set lo up && exec "$2" -I -S -c pass'
    argv = [unshare, "--user", "--map-root-user", *UNSHARE_NET, "/bin/sh", "-c", script]
    return probe_failure(
        [*argv, "netns-probe", _ip(), sys.executable],
        f"`unshare --user --net` with `ip link set lo up` and {sys.executable}",
        _PROBE_TIMEOUT_S,
    )
