"""`python -m harness teardown` after an interrupted `pulumi up`: the Pulumi CLI cannot run
here, so a stand-in on PATH keeps a DIY backend's state as files (a lock left by the killed
update, a pending create); AWS is moto, where the interrupted update's resources exist."""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from harness.cleanup import teardown
from harness.cleanup.inventory import connect
from tests.harness.cleanup.moto_support import fake_credentials
from tests.harness.cleanup.test_leaks import REGION, Account

STACK = "gh-cancelled"

# The stand-in: `destroy` fails while the lock is there (as the CLI does: "the stack is
# currently locked"), and leaves resources it never recorded (the pending create) in AWS.
PULUMI = """\
import json, sys
from pathlib import Path
state = Path(__file__).parent / "state"
args = sys.argv[1:]
with (state / "calls").open("a") as calls:
    calls.write(json.dumps(args) + "\\n")
if (state / "broken").exists() and args[0] == "destroy":
    sys.exit(255)
if args[0] == "cancel":
    (state / "lock").unlink(missing_ok=True)
elif (state / "lock").exists():
    print("error: the stack is currently locked by 1 lock(s)", file=sys.stderr)
    sys.exit(255)
elif args[0] == "refresh" and "--clear-pending-creates" in args:
    (state / "pending").unlink(missing_ok=True)
elif args[0] == "destroy":
    (state / "stack").unlink()
elif args[:2] == ["stack", "rm"]:
    (state / "stack").unlink(missing_ok=True)
"""


@pytest.fixture
def cli(tmp_path: Path) -> Path:
    script = tmp_path / "pulumi"
    script.write_text(f"#!{sys.executable}\n{PULUMI}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    state = tmp_path / "state"
    state.mkdir()
    for name in ("lock", "pending", "stack"):
        (state / name).write_text("")
    return script


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        created = Account()
        created.stack(STACK)  # what the interrupted up made
        created.stack("gh-other-branch")
        yield created


def calls(cli: Path) -> list[list[str]]:
    lines = (cli.parent / "state" / "calls").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_an_interrupted_up_is_torn_down_lock_pending_creates_and_all(
    cli: Path, account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    assert teardown.teardown(STACK, connect(None), str(cli)) == 0
    at = ["--stack", STACK]
    assert calls(cli) == [
        ["cancel", "--yes", *at],
        ["refresh", "--yes", "--clear-pending-creates", *at],
        ["destroy", "--yes", "--refresh", "--remove", *at],
    ]
    assert not (cli.parent / "state" / "stack").exists()
    out = capsys.readouterr().out
    assert out.count(f"tagged honeyhive:stack={STACK}") == 4  # the sweep took what up left
    left = account.iam.list_roles()["Roles"]
    assert [r["RoleName"] for r in left] == ["honeyhive-gh-other-branch-basic-role"]


def test_a_destroy_that_keeps_failing_still_sweeps_and_frees_the_stack_name(
    cli: Path, account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli.parent / "state" / "broken").write_text("")
    assert teardown.teardown(STACK, connect(None), str(cli)) == 1
    assert calls(cli)[-1] == ["stack", "rm", "--yes", "--force", "--stack", STACK]
    assert "destroy failed; the sweep removed what" in capsys.readouterr().out
    functions = account.lambda_.list_functions()["Functions"]
    assert [f["FunctionName"] for f in functions] == ["honeyhive-gh-other-branch-basic"]


def test_the_bootstrap_is_never_torn_down(capsys: pytest.CaptureFixture[str]) -> None:
    assert teardown.main(["--stack", "bootstrap-prod"]) == 2
    assert "'bootstrap-prod' is not a test bed stack" in capsys.readouterr().err
