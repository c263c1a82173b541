"""One stack judged the way the gate trusts: its project files first, then the program run three
times, one after the other: as `pulumi preview` runs it, and twice as `pulumi up` runs it, with a
different value for every secret each time (a program with no secret config runs once as `up`).
The preview run and the first `up` run go through the policy pack (a program that branches on
`is_dry_run()` is judged on what each shows); the two `up` runs are compared (differential.py).
The verdict is the union of it all.

The pack is started before the program runs, so its rules are loaded before the program could
touch a file, and it is configured and asked only after the program and every process it
started are gone, so nothing the program left can reconfigure it. A program whose project files
are refused is not run at all.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from harness.policy_gate.config import PolicySetting
from harness.policy_gate.differential import POLICY as DIFFERENTIAL_POLICY
from harness.policy_gate.differential import differences, flatten
from harness.policy_gate.gate import check_capture, pack_env
from harness.policy_gate.launcher import PackProcess
from harness.policy_gate.marshal import ROOT_STACK_TYPE
from harness.policy_gate.project_file import project_file_problems
from harness.policy_gate.report import MANDATORY, Violation
from harness.program.render import ProgramInputs, program_inputs, run_program

PROJECT_FILES_POLICY: Final = "gate-project-files"
# Bytes of randomness in the made-up secrets; they carry no marker a program could test for.
SECRET_BYTES: Final = (24, 30)


@dataclass(frozen=True)
class Verdict:
    stack: str
    violations: tuple[Violation, ...]
    resources: int
    timings: str

    @property
    def passed(self) -> bool:
        return not any(v.mandatory for v in self.violations)


def root_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{ROOT_STACK_TYPE}::{project}-{stack}"


def gate_inputs(
    stack: str, program_dir: Path, overrides: Mapping[str, str]
) -> tuple[ProgramInputs, ProgramInputs, tuple[frozenset[str], frozenset[str]]]:
    """The stack's config for the first runs and for the second `up` run: every secret key gets
    a fresh random value, a different (and longer) one for the second; never the real key."""
    base = program_inputs(stack, program_dir=program_dir, overrides=overrides)
    keys = sorted(base.secret_keys)
    first = {k: secrets.token_urlsafe(SECRET_BYTES[0]) for k in keys}
    second = {k: secrets.token_urlsafe(SECRET_BYTES[1]) for k in keys}
    return (
        replace(base, values={**base.values, **first}),
        replace(base, values={**base.values, **second}),
        (frozenset(first.values()), frozenset(second.values())),
    )


def _violation(policy: str, urn: str, message: str) -> Violation:
    return Violation(policy=policy, enforcement=MANDATORY, urn=urn, message=message)


def judge(
    pack_dir: Path,
    stack: str,
    *,
    program_dir: Path,
    overrides: Mapping[str, str],
    policy_config: Mapping[str, PolicySetting],
    timeout: float,
) -> Verdict:
    """Raises ProgramRefused when a run did not complete, GateError when the check could not
    run."""
    started = time.monotonic()
    preview_inputs, other_inputs, secret_values = gate_inputs(stack, program_dir, overrides)
    stack_urn = root_urn(preview_inputs.project, stack)
    problems = project_file_problems(preview_inputs.config.program_dir, stack)
    if problems:
        refused = tuple(_violation(PROJECT_FILES_POLICY, stack_urn, p) for p in problems)
        return Verdict(stack, refused, 0, "the program was not run")
    env = pack_env(
        preview_inputs.project, stack, preview_inputs.values, sorted(preview_inputs.secret_keys)
    )
    pack = PackProcess(pack_dir, env=env)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            starting = pool.submit(pack.start)
            try:
                preview = run_program(preview_inputs, timeout=timeout)
            except BaseException:
                starting.exception()  # let the pack finish starting; it is stopped below
                raise
            starting.result()  # a pack that cannot start fails the check before more runs
            up = run_program(preview_inputs, timeout=timeout, preview=False)
            up_flat = flatten(up)  # before the next run can rewrite a file it uploads
            # Without a secret there is nothing a second `up` run could show differently.
            other_flat = (
                flatten(run_program(other_inputs, timeout=timeout, preview=False))
                if preview_inputs.secret_keys
                else up_flat
            )
            rendered = time.monotonic()
        results = [check_capture(c, pack.channel, policy_config) for c in (preview, up)]
    finally:
        pack.stop()
    found: dict[tuple[str, str, str], Violation] = {}
    for result in results:
        for item in result.violations:
            found.setdefault((item.policy, item.urn, item.message), item)
    for urn, message in differences(up_flat, other_flat, secret_values):
        where = urn if urn.startswith("urn:") else stack_urn
        shown = message if urn.startswith("urn:") else f"stack outputs: {message}"
        item = _violation(DIFFERENTIAL_POLICY, where, shown)
        found.setdefault((item.policy, item.urn, item.message), item)
    analysis = sum(r.seconds for r in results)
    return Verdict(
        stack=stack,
        violations=tuple(found.values()),
        resources=results[0].resources,
        timings=f"programs {rendered - started:.1f}s, analysis {analysis:.1f}s; "
        f"pack {results[0].pack}",
    )
