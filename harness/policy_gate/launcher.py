"""Start a Python policy pack the way the Pulumi CLI does, and stop it.

The CLI (pkg/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer) reads the pack's
`PulumiPolicy.yaml` and, for `runtime: python`, runs the `pulumi-analyzer-policy-python` shim in
the pack's directory with `<engine address> .` plus `-<option>=<value>` for each runtime option.
The shim (sdk/python/dist/pulumi-analyzer-policy-python) resolves `-virtualenv` against the pack
directory, puts its `bin` first on PATH, unsets PYTHONHOME and runs
`<virtualenv>/bin/python -u -m pulumi.policy <engine address> .` (`python3` without a
virtualenv). `pulumi.policy` runs the directory's `__main__.py`; `PolicyPack(...)` prints the
port of its Analyzer gRPC server on the first line of stdout, and the CLI dials it. The
environment carries PULUMI_CONFIG (the stack's config as JSON) and PULUMI_PROJECT, PULUMI_STACK,
PULUMI_ORGANIZATION, PULUMI_DRY_RUN.

The engine address is not dialled by the pack (`pulumi.policy` parses and ignores it; the pack's
log messages go to its stderr when no engine is configured), so none is served here.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import grpc
import yaml

from harness.lifecycle import Started
from harness.policy_gate.errors import PackStartError
from harness.program.child import stop_process

POLICY_PROJECT_FILE: Final = "PulumiPolicy.yaml"
ENGINE_ADDRESS: Final = "127.0.0.1:0"
START_TIMEOUT_SECONDS: Final = 60.0
STOP_TIMEOUT_SECONDS: Final = 5.0
# pulumi_policy accepts messages up to 400 MB; the CLI's channel matches it.
_MAX_MESSAGE: Final = 400 * 1024 * 1024
CHANNEL_OPTIONS: Final = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


@dataclass(frozen=True)
class PackCommand:
    argv: list[str]
    cwd: Path
    env: dict[str, str]


def _runtime(pack_dir: Path) -> tuple[str, Mapping[str, Any]]:
    project_file = pack_dir / POLICY_PROJECT_FILE
    try:
        project = yaml.safe_load(project_file.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PackStartError(
            f"{pack_dir} is not a policy pack: cannot read {project_file} ({exc})"
        ) from exc
    runtime = project.get("runtime") if isinstance(project, dict) else None
    if isinstance(runtime, str):
        return runtime, {}
    if isinstance(runtime, dict) and isinstance(runtime.get("name"), str):
        options = runtime.get("options") or {}
        return runtime["name"], options if isinstance(options, dict) else {}
    raise PackStartError(f"{project_file} has no `runtime`; set `runtime: python`")


def pack_command(pack_dir: Path, env: Mapping[str, str]) -> PackCommand:
    """The command the CLI's shim ends up running for the pack in `pack_dir`."""
    pack_dir = pack_dir.resolve()
    name, options = _runtime(pack_dir)
    if name != "python":
        raise PackStartError(
            f"{pack_dir / POLICY_PROJECT_FILE} declares runtime {name!r}; this gate runs "
            "Python packs only (runtime: python)"
        )
    command_env = {**os.environ, **env}
    virtualenv = options.get("virtualenv")
    if virtualenv:
        venv = Path(os.path.normpath(pack_dir / str(virtualenv)))
        python = venv / "bin" / "python"
        if not python.is_file():
            raise PackStartError(
                f"the 'virtualenv' option in {pack_dir / POLICY_PROJECT_FILE} is {virtualenv!r}, "
                f"but {venv} doesn't appear to be a virtual environment: create it (make .venv) "
                "or fix the option"
            )
        command_env["PATH"] = f"{venv / 'bin'}{os.pathsep}{command_env.get('PATH', '')}"
        command_env.pop("PYTHONHOME", None)
        interpreter = str(python)
    else:
        found = shutil.which("python3", path=command_env.get("PATH"))
        if found is None:
            raise PackStartError("no python3 on PATH to run the policy pack with")
        interpreter = found
    return PackCommand(
        argv=[interpreter, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."],
        cwd=pack_dir,
        env=command_env,
    )


class PackProcess(Started):
    """The running pack: `channel` is a gRPC channel to its Analyzer service.

    Use as a context manager; the process is always stopped on exit (also on errors and Ctrl-C).
    """

    def __init__(self, pack_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self.pack_dir = pack_dir
        self._env = dict(env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._log: list[str] = []
        self._readers: list[threading.Thread] = []
        self._channel: grpc.Channel | None = None
        self.port = 0

    @property
    def channel(self) -> grpc.Channel:
        if self._channel is None:
            raise RuntimeError(f"the policy pack {self.pack_dir} is not running; start() it first")
        return self._channel

    @property
    def log(self) -> str:
        """What the pack wrote: its stderr, and anything on stdout after the port."""
        return "".join(self._log)

    def _failure(self, what: str) -> PackStartError:
        self.stop()
        log = self.log.strip() or "(it wrote nothing)"
        return PackStartError(f"policy pack {self.pack_dir} {what}; its output:\n{log}")

    def _drain(self, stream: IO[bytes], first: queue.Queue[str] | None) -> None:
        """Collect `stream` into the log; with `first`, its first line goes there instead."""
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace")
            if first is not None:
                first.put(line)
                first = None
            else:
                self._log.append(line)
        if first is not None:
            first.put("")  # end of stream before the first line

    def start(self) -> PackProcess:
        command = pack_command(self.pack_dir, self._env)
        self._process = subprocess.Popen(
            command.argv,
            cwd=command.cwd,
            env=command.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C reaches the gate, which stops the pack itself
        )
        try:
            self._connect(self._process)
        except BaseException:
            self.stop()
            raise
        return self

    def _connect(self, process: subprocess.Popen[bytes]) -> None:
        first_line: queue.Queue[str] = queue.Queue(maxsize=1)
        self._readers = [
            threading.Thread(target=self._drain, args=(process.stdout, first_line), daemon=True),
            threading.Thread(target=self._drain, args=(process.stderr, None), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            line = first_line.get(timeout=START_TIMEOUT_SECONDS)
        except queue.Empty:
            raise self._failure(
                f"did not print its port within {START_TIMEOUT_SECONDS:g}s"
            ) from None
        if not line:
            code = process.wait()
            raise self._failure(f"exited with status {code} before printing its port")
        if not line.strip().isdigit():
            raise self._failure(f"wrote a non-numeric port to stdout ({line.strip()!r})")
        self.port = int(line)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=CHANNEL_OPTIONS)
        try:
            grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_SECONDS)
        except grpc.FutureTimeoutError:
            raise self._failure(f"did not accept connections on port {self.port}") from None

    def stop(self) -> None:
        """Close the channel; interrupt the pack (pulumi_policy stops its server), then kill."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self._process = self._process, None
        if process is None:
            return
        stop_process(process, signal.SIGINT, STOP_TIMEOUT_SECONDS)
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT_SECONDS)
