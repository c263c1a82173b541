"""deploy.yml checks out the test bed the job runs and the SDK it was asked for.

Its first step reads the job's own OIDC token for `job_workflow_ref`/`job_workflow_sha` (in a
workflow called from another repository, `github.*` names the caller). The step's script runs
here against a local token endpoint that answers as GitHub's does."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.workflows.files import WORKFLOWS, load

DEPLOY = WORKFLOWS / "deploy.yml"
REQUEST_TOKEN = "runtime-token-for-this-job"


def _jwt(claims: dict[str, str]) -> str:
    def part(data: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class _TokenService:
    """GitHub's ID-token endpoint: bearer auth with the request token, `audience` query."""

    def __init__(self) -> None:
        self.claims: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                service.requests.append({"auth": self.headers.get("Authorization"), "query": query})
                if self.headers.get("Authorization") != f"bearer {REQUEST_TOKEN}":
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.dumps({"value": _jwt(service.claims)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token?api-version=2.0"


@pytest.fixture
def token_service() -> Iterator[_TokenService]:
    service = _TokenService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    yield service
    service.server.shutdown()


def _step(name: str, job: str = "deploy") -> dict[str, Any]:
    steps = load(DEPLOY)["jobs"][job]["steps"]
    return next(step for step in steps if step.get("name") == name)


def _run_step(service: _TokenService, output: Path) -> subprocess.CompletedProcess[str]:
    """The step that names the test bed, as the runner runs it, against `service`."""
    return subprocess.run(
        ["bash", "-e", "-c", _step("Which test bed is running", "testbed")["run"]],
        env={
            "PATH": "/usr/bin:/bin",
            "ACTIONS_ID_TOKEN_REQUEST_URL": service.url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
            "GITHUB_OUTPUT": str(output),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _run_testbed_step(service: _TokenService, tmp_path: Path) -> dict[str, str]:
    output = tmp_path / "github_output"
    output.write_text("")
    done = _run_step(service, output)
    assert done.returncode == 0, done.stderr
    assert REQUEST_TOKEN not in done.stdout + done.stderr
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


@pytest.mark.parametrize(
    ("job_workflow_ref", "expected_repository"),
    [
        # pushed to the test bed itself
        (
            "octo-org/lambda-bed/.github/workflows/deploy.yml@refs/heads/feature/x",
            "octo-org/lambda-bed",
        ),
        # called by the SDK's repository at a tag of the test bed
        ("octo-org/lambda-bed/.github/workflows/deploy.yml@refs/tags/v2", "octo-org/lambda-bed"),
        # called through scheduled.yml
        ("bed-owner/bed/.github/workflows/deploy.yml@refs/heads/main", "bed-owner/bed"),
    ],
)
def test_the_test_bed_comes_from_the_jobs_own_workflow(
    token_service: _TokenService, tmp_path: Path, job_workflow_ref: str, expected_repository: str
) -> None:
    sha = "4f2c9a0e5b7d4c1e8a3f6b9d0c2e4a6b8d0f1a3c"
    token_service.claims = {
        "repository": "octo-org/python-sdk",  # the caller: not what is checked out
        "job_workflow_ref": job_workflow_ref,
        "job_workflow_sha": sha,
    }
    assert _run_testbed_step(token_service, tmp_path) == {
        "repository": expected_repository,
        "sha": sha,
    }
    (request,) = token_service.requests
    assert request["query"]["audience"] == ["honeyhive-lambda-test"]


def test_a_token_without_the_claims_fails_the_step(
    token_service: _TokenService, tmp_path: Path
) -> None:
    token_service.claims = {"repository": "octo-org/python-sdk"}
    done = _run_step(token_service, tmp_path / "github_output")
    assert done.returncode != 0 and "job_workflow_ref" in done.stderr


def test_the_checkouts_use_those_values_and_keep_no_credentials() -> None:
    jobs = load(DEPLOY)["jobs"]
    testbed_job = jobs["testbed"]
    assert [s.get("uses") for s in testbed_job["steps"]] == [None], "one script, no checkout"
    assert testbed_job["outputs"] == {
        "repository": "${{ steps.testbed.outputs.repository }}",
        "sha": "${{ steps.testbed.outputs.sha }}",
    }
    steps = jobs["deploy"]["steps"]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    testbed, sdk, base = checkouts
    assert steps.index(testbed) == 0
    assert set(jobs["deploy"]["needs"]) == {"testbed", "gate"}
    assert testbed["with"] == {
        "repository": "${{ needs.testbed.outputs.repository }}",
        "ref": "${{ needs.testbed.outputs.sha }}",
        "persist-credentials": False,
    }
    for step, ref, path in (
        (sdk, "sdk-ref", "sdk-checkout"),
        (base, "base-sdk-ref", "sdk-base-checkout"),
    ):
        assert step["if"] == f"inputs.{ref} != ''"
        assert step["with"] == {
            "repository": "${{ inputs.sdk-repository }}",
            "ref": f"${{{{ inputs.{ref} }}}}",
            "path": f"build/{path}",
            "persist-credentials": False,
        }
    env = load(DEPLOY)["jobs"]["deploy"]["env"]
    assert env["SDK"] == "${{ inputs.sdk-ref && 'build/sdk-checkout' || '' }}"
    assert env["BASE_SDK"] == (
        "${{ inputs.base-sdk-ref && 'build/sdk-base-checkout' || inputs.base-sdk }}"
    )


def test_the_sdk_inputs_are_offered_to_both_callers() -> None:
    triggers = load(DEPLOY)[True]  # YAML 1.1 reads the `on:` key as True
    for event in ("workflow_dispatch", "workflow_call"):
        inputs = triggers[event]["inputs"]
        assert inputs["sdk-repository"]["default"] == "honeyhiveai/python-sdk", event
        assert inputs["sdk-ref"]["default"] == "", event
        assert inputs["base-sdk"]["default"] == inputs["base-sdk-ref"]["default"] == "", event


def test_every_make_step_passes_the_sdk_on() -> None:
    runs = [s.get("run", "") for s in load(DEPLOY)["jobs"]["deploy"]["steps"]]
    for target in ("make layer", "make up"):
        (run,) = [r for r in runs if r.startswith(target)]
        assert 'SDK="$SDK"' in run and 'BASE_SDK="$BASE_SDK"' in run, run
    (stack_name,) = [r for r in runs if "harness stack-name" in r]
    assert (
        '--sdk-ref "$SDK_REF"' in stack_name and '--sdk-repository "$SDK_REPOSITORY"' in stack_name
    )


def test_the_aws_benchmark_runs_with_a_base_sdk_before_destroy() -> None:
    steps = load(DEPLOY)["jobs"]["deploy"]["steps"]
    runs = [step.get("run", "") for step in steps]
    bench = next(i for i, run in enumerate(runs) if run.startswith("make bench-deployed"))
    destroy = next(i for i, run in enumerate(runs) if run.startswith("make teardown"))
    post_deploy = next(i for i, run in enumerate(runs) if run.startswith("make post-deploy"))
    assert post_deploy < bench < destroy
    assert steps[bench]["if"] == "env.BASE_SDK != ''"
    assert "FAIL_ON_REGRESSION=1" in runs[bench]
    scheduled = load(WORKFLOWS / "scheduled.yml")["jobs"]["benchmark"]["with"]
    assert scheduled["base-sdk"] == "locked" and scheduled["sdk-ref"] == "main"


def test_the_instruction_gate_runs_with_a_base_sdk_without_credentials() -> None:
    """The nightly (base-sdk: locked) and the SDK repository's calls (base-sdk-ref) gate on the
    instruction verdict: valgrind installed first, exit 1 on a regression, and no token in a
    job that runs the SDKs' build backends."""
    job = load(DEPLOY)["jobs"]["instructions"]
    assert job["if"] == "inputs.base-sdk != '' || inputs.base-sdk-ref != ''"
    assert "id-token" not in job["permissions"] and job["env"]["ARCH"] == "x86_64"
    runs = [step.get("run", "") for step in job["steps"]]
    valgrind = next(i for i, run in enumerate(runs) if "install" in run and "valgrind" in run)
    gate = next(i for i, run in enumerate(runs) if run.startswith("make bench-count"))
    assert valgrind < gate
    assert 'SDK="$SDK"' in runs[gate] and 'BASE="$BASE_SDK"' in runs[gate]
    assert "FAIL_ON_REGRESSION=1" in runs[gate]
    assert "secrets." not in str(job)


def test_runs_that_deploy_the_same_stack_queue_behind_each_other() -> None:
    """The concurrency group holds exactly the values the stack name is made of (the
    `harness stack-name` step), so two runs on one stack never deploy or destroy at once."""
    job = load(DEPLOY)["jobs"]["deploy"]
    named_by = re.findall(r"--\S+ \"\$(\w+)\"", _step("Stack name")["run"])
    assert named_by == ["STACK_KEY", "SDK_REF", "SDK_REPOSITORY"]
    group = job["concurrency"]["group"]
    expressions = re.findall(r"\$\{\{ (.+?) \}\}", group)
    assert sorted(expressions) == sorted(
        expression
        for name in named_by
        for expression in re.findall(r"\$\{\{ (.+?) \}\}", job["env"][name])
    )
    # One stack per runtime x architecture of the job matrix.
    assert {"matrix.runtime", "matrix.architecture"} <= set(expressions)
    assert job["concurrency"]["cancel-in-progress"] is False
