"""The program runs in its own process and a run counts only if it completes: every way out of
a program that is not a complete run fails it, naming why, with the real error first.

The fixture (tests/policy/fixtures/escapes) declares a compliant log group, then tries one
`attack`; a wrongly accepted run would pass the policy pack too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.policy_gate.cli import main as gate
from harness.program.errors import ProgramRefused
from harness.program.render import render
from tests.policy.support import ESCAPES_PROGRAM

pytestmark = pytest.mark.slow

STACK = "fx"


def attempt(attack: str, timeout: float = 120.0) -> str:
    with pytest.raises(ProgramRefused) as raised:
        render(STACK, program_dir=ESCAPES_PROGRAM, overrides={"attack": attack}, timeout=timeout)
    return str(raised.value)


def test_a_complete_run_is_captured() -> None:
    capture = render(STACK, program_dir=ESCAPES_PROGRAM)
    assert [r.type for r in capture.resources] == [
        "pulumi:providers:aws",
        "aws:cloudwatch/logGroup:LogGroup",
    ]


@pytest.mark.parametrize(
    ("attack", "first_line"),
    [
        ("sys-exit", "the program called sys.exit(0) before its run completed"),
        ("os-exit", "the program's process ended without completing its run"),
        ("raise", "the program failed: ValueError: the program's own bug"),
        ("kill-supervisor", "the program's supervisor was stopped before it reported"),
        ("data-source-caught", "data source `aws:iam/getRole:getRole` reads the account"),
        ("stack-reference", "StackReference 'organization/other/prod' reads another stack's"),
        ("read-existing", "aws:iam/role:Role.get('existing', 'honeyhive-existing-role') reads"),
        ("after-end", "the program sent resource aws:sns/topic:Topic 'late' after it signalled"),
        ("background", "the program left 1 process(es) running after it ended"),
        ("transform", "the program registers a stack transform"),
    ],
)
def test_an_incomplete_run_fails_with_its_reason_first(attack: str, first_line: str) -> None:
    message = attempt(attack)
    assert message.splitlines()[0].startswith(first_line), message


def test_a_hang_is_stopped_at_the_timeout() -> None:
    assert attempt("hang", timeout=8).startswith("the program did not finish within 8 s")


def test_a_process_left_behind_is_stopped() -> None:
    attempt("background")
    sleepers = [p for p in Path("/proc").glob("[0-9]*/cmdline") if b"time.sleep(600)" in _read(p)]
    assert sleepers == []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_output_is_bounded_and_the_real_error_comes_first() -> None:
    message = attempt("flood")
    lines = message.splitlines()
    assert lines[0] == "the program failed: RuntimeError: the real error, after a flood of output"
    assert len(lines) < 150, len(lines)
    assert "lines omitted" in message
    assert "noise line 99999" in message, "the end of the output is kept"
    assert "Future exception was never retrieved" not in message


def test_a_program_that_patches_the_gate_patches_only_itself(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = gate(["--program", str(ESCAPES_PROGRAM), "--stack", STACK, "--set", "attack=patch-gate"])
    out = capsys.readouterr().out
    assert code == 1
    assert "lambda-log-groups  aws:cloudwatch/logGroup:LogGroup never-expires" in out
    assert "policy gate FAILED: 1 mandatory" in out


def test_the_gate_fails_a_run_that_did_not_complete(capsys: pytest.CaptureFixture[str]) -> None:
    code = gate(["--program", str(ESCAPES_PROGRAM), "--stack", STACK, "--set", "attack=os-exit"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("policy gate FAILED: the program did not complete its run (stack fx):\n")
