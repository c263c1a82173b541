"""Start a program's process (runner.py) under the supervisor and collect what it leaves:
its bounded output, its failure report, and the supervisor's report.

Three channels, so the program's output cannot pass for a report: the program writes to a pipe
read into `BoundedLines`; runner.py writes its failure report to a separate status pipe; the
supervisor writes its report, tagged with a nonce the program never sees, to its own stdout.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from harness.program.bounded import BoundedLines

HERE: Final = Path(__file__).resolve().parent
SUPERVISOR: Final = HERE / "supervisor.py"
RUNNER: Final = HERE / "runner.py"
STOP_GRACE_SECONDS: Final = 10.0
STATUS_MAX_BYTES: Final = 256 * 1024
_STATUS_FD_PLACEHOLDER: Final = "{status_fd}"


@dataclass(frozen=True)
class ChildResult:
    supervisor: Mapping[str, Any] | None
    """The supervisor's report; None when it did not report (it was killed)."""
    failures: tuple[Mapping[str, Any], ...]
    """runner.py's failure reports (`kind`, `message`), normally none or one."""
    output: BoundedLines
    timed_out: bool

    @property
    def exit_code(self) -> int | None:
        return None if self.supervisor is None else self.supervisor.get("exit")


def stop_process(process: subprocess.Popen[bytes], signum: int, grace: float) -> None:
    """Ask `process` to stop with `signum`; kill it if it has not ended within `grace` s."""
    if process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def runner_command(interpreter: str, runner_args: Sequence[str]) -> list[str]:
    """The program's command; `{status_fd}` in `runner_args` becomes the status pipe's fd."""
    return [interpreter, "-u", str(RUNNER), *runner_args]


def _drain_lines(stream: IO[bytes], sink: BoundedLines) -> None:
    for raw in iter(stream.readline, b""):
        sink.add(raw.decode(errors="replace"))


def _read_bounded(stream: IO[bytes], into: list[bytes]) -> None:
    total = 0
    while chunk := stream.read(65536):
        if total < STATUS_MAX_BYTES:
            into.append(chunk[: STATUS_MAX_BYTES - total])
        total += len(chunk)


def _json_lines(data: bytes) -> list[dict[str, Any]]:
    found = []
    for line in data.decode(errors="replace").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict):
            found.append(item)
    return found


def run_child(command: Sequence[str], *, env: Mapping[str, str], timeout: float) -> ChildResult:
    """Run `command` under the supervisor; wait at most `timeout` seconds for it to end."""
    status_read, status_write = os.pipe()
    nonce = secrets.token_hex(16)
    argv = [str(a).replace(_STATUS_FD_PLACEHOLDER, str(status_write)) for a in command]
    supervisor = subprocess.Popen(
        [sys.executable, "-I", str(SUPERVISOR), "--pass-fd", str(status_write), "--", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(status_write,),
        env=dict(env),
        start_new_session=True,  # Ctrl-C reaches the gate, which stops the supervisor itself
    )
    os.close(status_write)
    output = BoundedLines()
    report: list[bytes] = []
    status: list[bytes] = []
    with os.fdopen(status_read, "rb") as status_stream:
        assert supervisor.stdin and supervisor.stdout and supervisor.stderr
        readers = [
            threading.Thread(target=_drain_lines, args=(supervisor.stderr, output), daemon=True),
            threading.Thread(target=_read_bounded, args=(supervisor.stdout, report), daemon=True),
            threading.Thread(target=_read_bounded, args=(status_stream, status), daemon=True),
        ]
        for reader in readers:
            reader.start()
        supervisor.stdin.write(f"{nonce}\n".encode())
        supervisor.stdin.close()
        timed_out = False
        try:
            supervisor.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_process(supervisor, signal.SIGTERM, STOP_GRACE_SECONDS)
        except BaseException:
            stop_process(supervisor, signal.SIGTERM, STOP_GRACE_SECONDS)
            raise
        for reader in readers:
            reader.join(timeout=STOP_GRACE_SECONDS)
    reports = [r for r in _json_lines(b"".join(report)) if r.get("nonce") == nonce]
    return ChildResult(
        supervisor=reports[0] if len(reports) == 1 and supervisor.returncode == 0 else None,
        failures=tuple(_json_lines(b"".join(status))),
        output=output,
        timed_out=timed_out,
    )
