"""`python -m harness sweep` against moto: only expired `honeyhive-*` resources go."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from harness.cleanup import sweep
from harness.cleanup.inventory import Clients, connect
from infra.iam import lambda_trust_policy
from infra.spec import LAYER_DESCRIPTION_TEMPLATE
from tests.harness.cleanup.moto_support import fake_credentials, handler_zip

REGION = "us-east-1"
NOW = "2026-06-01T00:00:00Z"
PAST = "2026-05-31T23:59:59Z"
FUTURE = "2026-06-01T00:00:01Z"
TRUST = lambda_trust_policy()
LOG_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}],
    }
)


def tags(stack: str, expires_at: str | None) -> dict[str, str]:
    found = {"honeyhive:stack": stack, "honeyhive:managed-by": "pulumi"}
    if expires_at is not None:
        found["honeyhive:expires-at"] = expires_at
    return found


def description(stack: str, expires_at: str) -> str:
    """A layer version published before descriptions left the expiry out: it decides."""
    return (
        f"honeyhive-lambda-test sdk layer; stack={stack}; expires-at={expires_at}; "
        "sdk=honeyhive 1.7.0 (release)"
    )


def current_description(stack: str) -> str:
    """What the program writes now: the stack, no expiry."""
    return LAYER_DESCRIPTION_TEMPLATE.format(stack=stack, sdk="honeyhive 1.7.0 (release)")


class World:
    """Resources created through the real (moto) control plane, as Pulumi would."""

    def __init__(self) -> None:
        self.lambda_ = boto3.client("lambda", region_name=REGION)
        self.iam = boto3.client("iam", region_name=REGION)
        self.logs = boto3.client("logs", region_name=REGION)
        self.code = handler_zip()
        self.execution_role = self.role("honeyhive-execution", None)

    def role(self, name: str, role_tags: dict[str, str] | None, inline: bool = False) -> str:
        tag_list: list[Any] = [{"Key": k, "Value": v} for k, v in (role_tags or {}).items()]
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=tag_list)[
            "Role"
        ]["Arn"]
        if inline:
            self.iam.put_role_policy(
                RoleName=name, PolicyName=f"{name}-logs", PolicyDocument=LOG_POLICY
            )
        return arn

    def function(self, name: str, function_tags: dict[str, str] | None) -> None:
        self.lambda_.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=self.execution_role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": self.code},
            Tags=function_tags or {},
        )

    def layer(self, name: str, *descriptions: str) -> None:
        for text in descriptions:
            self.lambda_.publish_layer_version(
                LayerName=name, Description=text, Content={"ZipFile": self.code}
            )

    def log_group(self, name: str, group_tags: dict[str, str] | None) -> None:
        if group_tags:
            self.logs.create_log_group(logGroupName=name, tags=group_tags)
        else:
            self.logs.create_log_group(logGroupName=name)

    def snapshot(self) -> set[str]:
        """Everything in the account, honeyhive or not, as `kind name` strings."""
        found = {
            f"function {f['FunctionName']}" for f in self.lambda_.list_functions()["Functions"]
        }
        for layer in self.lambda_.list_layers()["Layers"]:
            versions = self.lambda_.list_layer_versions(LayerName=layer["LayerName"])
            found |= {
                f"layer version {layer['LayerName']}:{v['Version']}"
                for v in versions["LayerVersions"]
            }
        found |= {f"role {r['RoleName']}" for r in self.iam.list_roles()["Roles"]}
        found |= {
            f"policy {p['PolicyName']}" for p in self.iam.list_policies(Scope="Local")["Policies"]
        }
        found |= {
            f"log group {g['logGroupName']}" for g in self.logs.describe_log_groups()["logGroups"]
        }
        return found


EXPIRED = {
    "function honeyhive-gh-old-basic",
    "role honeyhive-gh-old-basic-role",
    "log group /aws/lambda/honeyhive-gh-old-basic",
    "layer version honeyhive-gh-old-sdk:1",
    "layer version honeyhive-gh-old-sdk:2",
    "layer version honeyhive-gh-older-sdk:1",
    # A per-branch stack's layer whose description does not parse, or says `never`: those
    # stacks always expire, so the sweeper takes them.
    "layer version honeyhive-gh-old-sdk:3",
    "layer version honeyhive-gh-forever-sdk:1",
}


def build(world: World) -> None:
    old = tags("gh-old", PAST)
    world.function("honeyhive-gh-old-basic", old)
    role_arn = world.role("honeyhive-gh-old-basic-role", old, inline=True)
    managed = world.iam.create_policy(PolicyName="managed-extra", PolicyDocument=LOG_POLICY)
    world.iam.attach_role_policy(
        RoleName=role_arn.rsplit("/", 1)[1], PolicyArn=managed["Policy"]["Arn"]
    )
    world.log_group("/aws/lambda/honeyhive-gh-old-basic", old)
    # Versions 1 and 2 expired; version 3 does not parse and must stay.
    world.layer(
        "honeyhive-gh-old-sdk",
        description("gh-old", PAST),
        description("gh-old", PAST),
        "hand-made layer",
    )
    world.layer("honeyhive-gh-older-sdk", description("gh-older", "2020-01-01T00:00:00Z"))
    world.layer("honeyhive-gh-forever-sdk", description("gh-forever", "never"))

    live = tags("gh-live", FUTURE)
    world.function("honeyhive-gh-live-basic", live)
    world.role("honeyhive-gh-live-basic-role", live, inline=True)
    world.log_group("/aws/lambda/honeyhive-gh-live-basic", live)
    world.layer("honeyhive-gh-live-sdk", description("gh-live", FUTURE))

    never = tags("ci", "never")
    world.function("honeyhive-ci-basic", never)
    world.role("honeyhive-ci-deployer", never)
    world.log_group("/aws/lambda/honeyhive-ci-basic", never)
    world.layer("honeyhive-ci-sdk", description("ci", "never"))

    world.function("honeyhive-bad-basic", tags("bad", "tomorrow"))
    world.role("honeyhive-bad-role", tags("bad", "2026-05-01"))
    world.log_group("/aws/lambda/honeyhive-bad-basic", tags("bad", "2026-05-01 00:00:00"))
    world.function("honeyhive-untagged", None)
    world.role("honeyhive-untagged-role", None)
    world.log_group("/aws/lambda/honeyhive-untagged", None)

    # Expired by their tags, but not ours: the sweeper only ever looks at honeyhive-*.
    world.function("other-team-fn", old)
    world.role("other-team-role", old)
    world.log_group("/aws/lambda/other-team-fn", old)
    world.layer("other-team-layer", description("gh-old", PAST))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        world = World()
        build(world)
        yield world


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = sweep.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_lists_the_expired_ones_and_touches_nothing(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = aws.snapshot()
    code, out, err = run(["--now", NOW], capsys)
    assert (code, err) == (0, "")
    planned = {
        line.split(" (")[0].removeprefix("would delete ")
        for line in out.splitlines()
        if line.startswith("would delete ")
    }
    assert planned == EXPIRED
    assert aws.snapshot() == before
    assert "8 to delete (dry run; pass --apply to delete)" in out


def test_apply_deletes_exactly_the_expired_honeyhive_resources(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = aws.snapshot()
    code, out, err = run(["--apply", "--now", NOW, "--region", REGION], capsys)
    assert (code, err) == (0, ""), out
    assert aws.snapshot() == before - EXPIRED
    # The managed policy was detached, not deleted: it is not the test bed's.
    assert "policy managed-extra" in aws.snapshot()
    assert f"sweep {REGION} at {NOW}: 8 deleted;" in out


def test_malformed_expiry_is_kept_except_on_a_per_branch_stack(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(["--now", NOW], capsys)
    skipped = [line for line in out.splitlines() if line.startswith("skip ")]
    assert len(skipped) == 3
    assert any(
        "function honeyhive-bad-basic: honeyhive:expires-at='tomorrow'" in s for s in skipped
    )
    assert any("role honeyhive-bad-role" in s for s in skipped)
    assert any("log group /aws/lambda/honeyhive-bad-basic" in s for s in skipped)
    assert (
        "would delete layer version honeyhive-gh-old-sdk:3 (description 'hand-made layer' does "
        "not parse, on a per-branch (gh-*) stack)"
    ) in out


def test_the_clock_decides(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    """A minute before the live stack's expiry it stays; a minute after, it goes too."""
    _, before_expiry, _ = run(["--now", "2026-06-01T00:00:00Z"], capsys)
    _, after_expiry, _ = run(["--now", "2026-06-01T00:01:00Z"], capsys)
    assert "honeyhive-gh-live-basic " not in before_expiry
    assert "would delete function honeyhive-gh-live-basic (expired at" in after_expiry


def test_a_failed_delete_is_reported_and_the_sweep_goes_on(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.iam.create_instance_profile(InstanceProfileName="pins-the-role")
    aws.iam.add_role_to_instance_profile(
        InstanceProfileName="pins-the-role", RoleName="honeyhive-gh-old-basic-role"
    )
    before = aws.snapshot()
    code, out, err = run(["--apply", "--now", NOW], capsys)
    assert code == 1
    assert "ERROR could not delete role honeyhive-gh-old-basic-role" in err
    assert "DeleteConflict" in err
    assert aws.snapshot() == before - (EXPIRED - {"role honeyhive-gh-old-basic-role"})
    assert "7 deleted" in out
    assert "1 failed" in out


def test_a_kind_that_cannot_be_listed_fails_the_sweep_but_not_the_others(
    aws: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = connect(REGION)

    def denied(*_args: Any, **_kwargs: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized: iam:ListRoles"}},
            "ListRoles",
        )

    monkeypatch.setattr(clients.iam, "get_paginator", denied)
    failures = sweep.sweep(clients, sweep._parse_now(NOW), apply=True)
    err = capsys.readouterr().err
    assert failures == 1
    assert "could not list roles in us-east-1" in err
    assert "AccessDenied" in err
    assert "function honeyhive-gh-old-basic" not in {
        line for line in aws.snapshot() if line.startswith("function")
    }
    assert "role honeyhive-gh-old-basic-role" in aws.snapshot()


def test_bad_now_names_the_value_and_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        sweep.main(["--now", "2026-06-01"])
    assert exit_info.value.code == 2
    assert "--now '2026-06-01' is not YYYY-MM-DDTHH:MM:SSZ" in capsys.readouterr().err


def test_no_region_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert sweep.main([]) == 2
    assert "no AWS region: pass --region" in capsys.readouterr().err


def test_clients_use_the_region_given(aws: World) -> None:
    clients: Clients = connect("eu-west-1")
    assert clients.region == "eu-west-1"
    assert clients.lambda_.meta.region_name == "eu-west-1"


def test_a_resource_that_vanishes_mid_listing_hides_nothing_else(
    aws: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent destroy deletes a function between ListFunctions and its ListTags: that
    function is skipped, every other expired resource is still swept, and the run succeeds."""
    aws.function("honeyhive-gh-racing-basic", tags("gh-racing", PAST))
    clients = connect(REGION)
    vanished: list[str] = []

    def delete_first(params: dict[str, Any], **_: Any) -> None:
        arn = params["Resource"]
        if "honeyhive-gh-racing-basic" in arn and not vanished:
            aws.lambda_.delete_function(FunctionName="honeyhive-gh-racing-basic")
            vanished.append(arn)

    clients.lambda_.meta.events.register("before-parameter-build.lambda.ListTags", delete_first)
    monkeypatch.setattr(sweep, "connect", lambda region: clients)
    code, out, _ = run(["--apply", "--now", NOW], capsys)
    assert vanished, "the race was not provoked"
    assert code == 0
    assert "honeyhive-gh-racing-basic" not in out
    assert not EXPIRED & aws.snapshot(), "every other expired resource went"


LIVE = {
    "function honeyhive-gh-live-basic",
    "role honeyhive-gh-live-basic-role",
    "log group /aws/lambda/honeyhive-gh-live-basic",
    "layer version honeyhive-gh-live-sdk:1",
}


def test_a_stack_sweep_deletes_all_of_that_stack_expired_or_not(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an interrupted `up`: what the stack created is tagged with it but not yet
    expired (and not in its state); `--stack` removes exactly that, nothing of other stacks."""
    before = aws.snapshot()
    code, out, err = run(["--apply", "--now", NOW, "--stack", "gh-live"], capsys)
    assert (code, err) == (0, ""), out
    assert aws.snapshot() == before - LIVE
    assert "delete function honeyhive-gh-live-basic (tagged honeyhive:stack=gh-live)" in out


def test_a_stack_sweep_also_takes_what_never_expires(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = aws.snapshot()
    code, _, _ = run(["--apply", "--stack", "ci"], capsys)
    assert code == 0
    assert before - aws.snapshot() == {
        "function honeyhive-ci-basic",
        "role honeyhive-ci-deployer",
        "log group /aws/lambda/honeyhive-ci-basic",
        "layer version honeyhive-ci-sdk:1",
    }


@pytest.mark.parametrize("stack", ["bootstrap-prod", " "])
def test_a_stack_sweep_refuses_the_bootstrap_and_an_empty_name(
    aws: World, capsys: pytest.CaptureFixture[str], stack: str
) -> None:
    before = aws.snapshot()
    code, _, err = run(["--apply", "--stack", stack], capsys)
    assert code == 2 and "is not a test bed stack" in err
    assert aws.snapshot() == before


def test_a_layer_version_expires_with_its_stack(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Descriptions carry no expiry (it would replace the layer on every CI run): a layer
    version goes when nothing else of its stack is live and it is older than the grace; a live
    stack's layer stays however old, and so does one just published (its functions come next)."""
    published = datetime.now(UTC)
    aws.layer("honeyhive-gh-gone-sdk", current_description("gh-gone"))  # its stack: destroyed
    aws.layer("honeyhive-gh-old-sdk2", current_description("gh-old"))  # its stack: expired
    aws.layer("honeyhive-gh-live-sdk2", current_description("gh-live"))
    aws.layer("honeyhive-ci-sdk2", current_description("ci"))  # its stack: never
    later = (published + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    live_until = (published + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    aws.function("honeyhive-gh-live-fn2", tags("gh-live", live_until))
    _, out, _ = run(["--now", later], capsys)
    planned = {line.split(" (")[0] for line in out.splitlines() if line.startswith("would ")}
    assert "would delete layer version honeyhive-gh-gone-sdk:1" in planned
    assert "would delete layer version honeyhive-gh-old-sdk2:1" in planned
    assert "would delete layer version honeyhive-gh-live-sdk2:1" not in planned
    assert "would delete layer version honeyhive-ci-sdk2:1" not in planned
    assert "(stack gh-gone has no live function, role or log group)" in out
    _, just_published, _ = run(["--now", published.strftime("%Y-%m-%dT%H:%M:%SZ")], capsys)
    assert "honeyhive-gh-gone-sdk:1" not in just_published


def test_an_unreadable_expiry_on_a_ci_stack_is_expired(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """CI's gh-* stacks must expire: a malformed expiry there is no reason to keep anything
    (elsewhere it is still kept and reported)."""
    aws.function("honeyhive-gh-odd-basic", tags("gh-odd", "tomorrow"))
    _, out, _ = run(["--now", NOW], capsys)
    assert (
        "would delete function honeyhive-gh-odd-basic (honeyhive:expires-at='tomorrow' is neither"
        in out
    )
    assert "skip function honeyhive-bad-basic" in out
