"""`python -m harness leaks --stack S` against moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from harness.cleanup import leaks
from harness.cleanup.inventory import connect
from infra.iam import lambda_trust_policy
from tests.harness.cleanup.moto_support import fake_credentials, handler_zip

REGION = "eu-west-1"
STACK = "gh-feature-x"
TRUST = lambda_trust_policy()


class Account:
    def __init__(self) -> None:
        self.lambda_ = boto3.client("lambda", region_name=REGION)
        self.iam = boto3.client("iam", region_name=REGION)
        self.logs = boto3.client("logs", region_name=REGION)

    def stack(self, stack: str, prefix: str = "honeyhive-") -> None:
        """What the program declares for one function and its layer, tagged for `stack`."""
        tags = {"honeyhive:stack": stack, "honeyhive:expires-at": "never"}
        name = f"{prefix}{stack}-basic"
        role = self.iam.create_role(
            RoleName=f"{name}-role",
            AssumeRolePolicyDocument=TRUST,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["Role"]["Arn"]
        self.lambda_.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="handler.h",
            Code={"ZipFile": handler_zip()},
            Tags=tags,
        )
        self.logs.create_log_group(logGroupName=f"/aws/lambda/{name}", tags=tags)
        self.lambda_.publish_layer_version(
            LayerName=f"{prefix}{stack}-sdk",
            Description=f"honeyhive-lambda-test sdk layer; stack={stack}; expires-at=never",
            Content={"ZipFile": handler_zip()},
        )

    def destroy(self, stack: str) -> None:
        name = f"honeyhive-{stack}-basic"
        self.lambda_.delete_function(FunctionName=name)
        self.iam.delete_role(RoleName=f"{name}-role")
        self.logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")
        self.lambda_.delete_layer_version(LayerName=f"honeyhive-{stack}-sdk", VersionNumber=1)


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with mock_aws():
        created = Account()
        created.stack("gh-other-branch")
        yield created


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The check once (no settling), unless `argv` says otherwise."""
    settle = [] if "--settle-seconds" in argv else ["--settle-seconds", "0"]
    code = leaks.main([*argv, *settle])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_kind_left_behind_is_listed(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    account.stack(STACK)
    code, out, err = run(["--stack", STACK], capsys)
    assert (code, err) == (1, "")
    leaked = sorted(line.split(" (")[0] for line in out.splitlines() if line.startswith("LEAK "))
    assert leaked == [
        "LEAK function honeyhive-gh-feature-x-basic",
        "LEAK layer version honeyhive-gh-feature-x-sdk:1",
        "LEAK log group /aws/lambda/honeyhive-gh-feature-x-basic",
        "LEAK role honeyhive-gh-feature-x-basic-role",
    ]
    assert f"leaks stack={STACK} region={REGION}: 4 resource(s) left" in out


def test_a_destroyed_stack_is_clean_even_with_other_stacks_around(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    account.stack(STACK)
    account.destroy(STACK)
    account.stack(STACK, prefix="not-ours-")  # same tag, foreign name: not the test bed's
    code, out, _ = run(["--stack", STACK], capsys)
    assert code == 0
    assert "LEAK" not in out
    assert out.rstrip().endswith(f"leaks stack={STACK} region={REGION}: clean")


def test_the_stack_must_match_exactly(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    account.stack(f"{STACK}-2")
    code, out, _ = run(["--stack", STACK], capsys)
    assert (code, "LEAK" in out) == (0, False)


def test_an_unparsable_layer_description_is_a_warning_not_a_leak(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    account.lambda_.publish_layer_version(
        LayerName="honeyhive-hand-made",
        Description="built by hand",
        Content={"ZipFile": handler_zip()},
    )
    code, out, _ = run(["--stack", STACK], capsys)
    assert code == 0
    assert "warning: layer version honeyhive-hand-made:1 has description 'built by hand'" in out


def test_an_incomplete_check_is_not_clean(
    account: Account, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = connect(None)

    def denied(*_args: Any, **_kwargs: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "DescribeLogGroups"
        )

    monkeypatch.setattr(clients.logs, "get_paginator", denied)
    assert leaks.leaks(clients, STACK, settle_s=0) == 1
    out, err = capsys.readouterr()
    assert "could not list log groups in eu-west-1" in err
    assert "check incomplete" in out


def test_stack_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        leaks.main([])
    assert exit_info.value.code == 2
    assert "--stack" in capsys.readouterr().err


def test_empty_stack_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert leaks.main(["--stack", " "]) == 2
    assert "--stack is empty" in capsys.readouterr().err


def test_what_is_still_listed_is_listed_again_before_it_is_a_leak(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    """IAM's list calls are eventually consistent: right after destroy, a deleted role may
    still be listed. The check lists again with backoff and is clean once it is gone."""
    account.stack(STACK)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:  # what destroy deleted stops being listed a little later
            account.destroy(STACK)

    assert leaks.leaks(connect(None), STACK, sleep=sleep) == 0
    out, _ = capsys.readouterr()
    assert slept == [5, 10]
    assert "4 resource(s) of stack gh-feature-x still listed" in out
    assert "LEAK" not in out and out.rstrip().endswith("clean")


def test_a_real_leak_is_reported_after_about_90_seconds(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    account.stack(STACK)
    slept: list[float] = []
    assert leaks.leaks(connect(None), STACK, sleep=slept.append) == 4
    assert slept == [5, 10, 20, 40, 15] and sum(slept) == leaks.SETTLE_SECONDS
    out, _ = capsys.readouterr()
    assert out.count("LEAK ") == 4
    assert f"python -m harness sweep --stack {STACK} --apply" in out


def test_a_clean_stack_is_not_waited_for(account: Account) -> None:
    slept: list[float] = []
    assert leaks.leaks(connect(None), STACK, sleep=slept.append) == 0
    assert slept == []


def test_a_layer_named_for_the_stack_leaks_whatever_its_description_says(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    for description in ("built by hand", "honeyhive-lambda-test sdk layer; stack="):
        account.lambda_.publish_layer_version(
            LayerName=f"honeyhive-{STACK}-sdk-python3-13",
            Description=description,
            Content={"ZipFile": handler_zip()},
        )
    code, out, _ = run(["--stack", STACK], capsys)
    assert code == 1, out
    assert f"LEAK layer version honeyhive-{STACK}-sdk-python3-13:1" in out
    assert f"LEAK layer version honeyhive-{STACK}-sdk-python3-13:2" in out
