"""Run a Pulumi program offline, as `pulumi preview` runs it, and capture what it declares.

There is no Pulumi CLI and no AWS here, so the engine's side is played by this process: the
resource monitor and the engine's log are gRPC services in it (monitor.py), and the program
runs in a child process (runner.py, under supervisor.py) that connects to them, exactly as a
language host runs a program against the engine. The program cannot reach this process's code
or memory; everything it declares arrives as the engine would receive it.

A run passes only if it completes: the SDK signals the end of the program to the monitor, the
program's process then exits 0, and it leaves no process behind. Anything else (a refused
config, a crash, `sys.exit`, `os._exit`, a kill, a hang past the timeout, a data source or
stack reference that cannot be checked offline) raises `ProgramRefused`, with the real error
first and the program's output, bounded, after it.

The run is a preview (`is_dry_run()` is true): outputs the provider computes are unknown,
except the ids and ARNs AWS forms with certainty (aws_mocks.py). With `preview=False` it runs as
`pulumi up` runs it (`is_dry_run()` is false), as the policy gate also judges it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from harness.program.capture import Capture, CapturedResource
from harness.program.child import ChildResult, run_child, runner_command
from harness.program.errors import ProgramRefused
from harness.program.monitor import EngineServer, Registration, RunRecord
from harness.program.options import DEFAULT_TIMEOUT_SECONDS
from harness.program.wire import plain_properties, to_json
from harness.secret import SECRET_PLACEHOLDER
from infra.spec import REPO_ROOT
from infra.stack_config import ConfigFileError, StackConfig, load_stack_config, offline_secret

ORGANIZATION: Final = "organization"  # what the engine uses when there is none (DIY backends)


@dataclass(frozen=True)
class ProgramInputs:
    """A program and its stack's config, resolved as the CLI resolves them before a run."""

    config: StackConfig
    values: Mapping[str, str]
    secret_keys: frozenset[str]

    @property
    def project(self) -> str:
        return self.config.project

    @property
    def stack(self) -> str:
        return self.config.stack

    @property
    def masked_config(self) -> dict[str, str]:
        """The config with secret values masked (what render and the gate may print)."""
        return {
            k: (SECRET_PLACEHOLDER if k in self.secret_keys else v) for k, v in self.values.items()
        }


def program_inputs(
    stack: str,
    *,
    program_dir: Path = REPO_ROOT,
    overrides: Mapping[str, str] | None = None,
    supply_secrets: bool = True,
) -> ProgramInputs:
    """The stack's config. With `supply_secrets`, secret config that has no value here (a
    `secure:` value that cannot be decrypted offline, or a key `Pulumi.yaml` declares secret and
    the stack has not set) is filled in: the HoneyHive key from `HH_API_KEY`, else a
    placeholder. It stays a secret."""
    config = load_stack_config(program_dir.resolve(), stack, overrides)
    values = dict(config.values)
    if supply_secrets:
        for key in config.secret_keys - set(values):
            values[key] = offline_secret(key)
    missing = sorted(config.required_keys - set(values))
    if missing:
        raise ConfigFileError(
            f"stack {stack!r} is missing configuration value(s) {', '.join(missing)} "
            f"(Pulumi.yaml declares them without a default, so the Pulumi CLI would refuse the "
            f"stack too); fix: `pulumi config set <key> <value> --stack {stack}`"
        )
    return ProgramInputs(config=config, values=values, secret_keys=frozenset(config.secret_keys))


def _accounts(values: Mapping[str, str]) -> list[str]:
    raw = values.get("aws:allowedAccountIds")
    try:
        accounts = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        return []
    return [str(a) for a in accounts] if isinstance(accounts, list) else []


def _environment(inputs: ProgramInputs, preview: bool) -> dict[str, str]:
    """What the language host gives a program: the caller's environment plus the stack's."""
    return {
        **os.environ,
        "PULUMI_CONFIG": json.dumps(dict(inputs.values)),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(sorted(inputs.secret_keys)),
        "PULUMI_PROJECT": inputs.project,
        "PULUMI_STACK": inputs.stack,
        "PULUMI_ORGANIZATION": ORGANIZATION,
        "PULUMI_DRY_RUN": "true" if preview else "false",
    }


def _why_incomplete(record: RunRecord, result: ChildResult, timeout: float) -> list[str]:
    """Every reason the run cannot be judged, the one that explains the rest first."""
    reasons = list(record.refusals)
    report = result.supervisor
    if report is None:
        reasons.append(
            "the program's supervisor was stopped before it reported, so the program's "
            "processes may still run: the run cannot be trusted"
        )
        return reasons
    if result.timed_out or report.get("stopped"):
        reasons.append(f"the program did not finish within {timeout:g} s")
    reasons += [str(f.get("message", "")) for f in result.failures]
    if not reasons and (report.get("exit") != 0 or report.get("signal")):
        how = (
            f"was killed by signal {report['signal']}"
            if report.get("signal")
            else (f"exited with status {report.get('exit')}")
        )
        reasons.append(f"the program's process {how} before its run completed")
    if not reasons and not record.completed:
        reasons.append(
            "the program's process ended without completing its run (it never signalled the "
            "end of the program, e.g. it called os._exit)"
        )
    if report.get("leftover"):
        reasons.append(
            f"the program left {report['leftover']} process(es) running after it ended; they "
            "were stopped, and a program that starts background processes is not checked"
        )
    return reasons


def _captured(registration: Registration) -> CapturedResource:
    request = registration.request
    return CapturedResource(
        urn=registration.urn,
        type=request.type,
        name=request.name,
        custom=request.custom,
        parent=request.parent,
        provider=request.provider,
        dependencies=tuple(request.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
        inputs=plain_properties(to_json(request.object)),
        state=plain_properties(registration.state),
        id=registration.id,
        request=request,
    )


def run_program(
    inputs: ProgramInputs, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, preview: bool = True
) -> Capture:
    """Run the program for its stack in a child process and return what it declared; with
    `preview=False`, as `pulumi up` runs it (`is_dry_run()` is false)."""
    config = inputs.config
    record = RunRecord(
        project=inputs.project,
        stack=inputs.stack,
        default_region=inputs.values.get("aws:region"),
        default_accounts=_accounts(inputs.values),
    )
    with EngineServer(record) as server:
        command = runner_command(
            # The gate's own interpreter (the pinned pulumi and pulumi-aws), never the program's
            # `virtualenv`: a PR could commit one whose `bin/python` is any binary.
            sys.executable,
            [
                "--monitor", server.address,
                "--engine", server.address,
                "--project", inputs.project,
                "--stack", inputs.stack,
                "--organization", ORGANIZATION,
                "--program-dir", str(config.program_dir),
                "--main", str(config.main),
                "--status-fd", "{status_fd}",
                "--preview", "true" if preview else "false",
            ],
        )  # fmt: skip
        result = run_child(command, env=_environment(inputs, preview), timeout=timeout)
    reasons = _why_incomplete(record, result, timeout)
    if reasons:
        output = result.output.text()
        shown = f"\nthe program's output:\n{output}" if output else ""
        raise ProgramRefused("\n".join(reasons) + shown)
    return Capture(
        project=inputs.project,
        stack=inputs.stack,
        program_dir=config.program_dir,
        config=inputs.masked_config,
        resources=tuple(_captured(r) for r in record.registrations),
        outputs=plain_properties(record.stack_outputs),
        messages=tuple(record.log.lines() + result.output.lines()),
        preview=preview,
    )


def render(
    stack: str,
    *,
    program_dir: Path = REPO_ROOT,
    overrides: Mapping[str, str] | None = None,
    supply_secrets: bool = True,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Capture:
    """Run the program for `stack` offline and return what it declared (see `program_inputs`
    for `supply_secrets`)."""
    inputs = program_inputs(
        stack, program_dir=program_dir, overrides=overrides, supply_secrets=supply_secrets
    )
    return run_program(inputs, timeout=timeout)
