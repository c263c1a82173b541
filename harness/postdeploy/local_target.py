"""`python -m harness local serve` in a subprocess: started, waited for, stopped.

The benchmark serves two stacks side by side (our layer and the seed's), and the tests of the
suite serve one; both go through the command's public contract (the outputs file it writes
when ready, SIGTERM to stop) rather than the local runtime's internals.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.postdeploy.errors import ServeFailed
from infra.spec import REPO_ROOT

READY_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 60.0


@contextmanager
def local_serve(
    stack: str,
    outputs: Path,
    log: Path,
    overrides: Sequence[str] = (),
    proactive_init: float = 0.0,
) -> Iterator[dict[str, Any]]:
    """Serve `stack` (with `--set` overrides; `proactive_init`: `local serve --proactive-init`)
    until the block ends; yields the outputs."""
    outputs.unlink(missing_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "harness", "local", "serve", "--stack", stack,
               "--outputs", str(outputs)]  # fmt: skip
    for override in overrides:
        command += ["--set", override]
    if proactive_init:
        command += ["--proactive-init", str(proactive_init)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_ready(process, outputs, log)
        yield json.loads(outputs.read_text())
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], outputs: Path, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not outputs.is_file():
        if process.poll() is not None:
            raise ServeFailed(f"`serve` exited with {process.returncode}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise ServeFailed(f"`serve` was not ready after {READY_TIMEOUT_S:.0f} s:\n{_tail(log)}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {log})"
