"""`python -m harness local invoke`: any handler directory, once, from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.lambda_report import parse_report
from harness.local.procs import command_line
from infra.spec import REPO_ROOT
from tests.harness.local.fixtures import HANDLERS, LAYER_VALUE, layer_zip

pytestmark = pytest.mark.slow

HANDLER = """
import os


def handler(event, context):
    import fixture_layer_mod

    print("handling", event["name"])
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    greeting = os.environ["GREETING"]
    return {"hello": event["name"], "layer": fixture_layer_mod.VALUE, "greeting": greeting}
"""


def local(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "local", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A handler directory that is not part of this repository."""
    code = tmp_path / "elsewhere" / "my_function"
    code.mkdir(parents=True)
    (code / "main.py").write_text(HANDLER)
    return code


def test_invoke_runs_a_handler_from_outside_the_repo(outside: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"name": "world"}')
    result = local(
        "invoke",
        "--code", str(outside),
        "--handler", "main.handler",
        "--layer", str(layer_zip(tmp_path)),
        "--event", f"@{event}",
        "--env", "GREETING=hi",
        "--memory", "256",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"hello": "world", "layer": LAYER_VALUE, "greeting": "hi"}
    assert "handling world" in result.stderr
    report = parse_report(result.stderr)
    assert report.memory_size_mb == 256
    assert report.init_duration_ms is not None


def test_a_function_error_exits_1(outside: Path, tmp_path: Path) -> None:
    result = local(
        "invoke", "--code", str(outside), "--handler", "main.handler",
        "--layer", str(layer_zip(tmp_path)), "--env", "GREETING=hi",
        "--event", '{"name": "x", "fail": true}',
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert json.loads(result.stdout)["errorType"] == "RuntimeError"
    assert "function error (Unhandled): RuntimeError" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "{nope"], "--event is not JSON"),
        (["--event", "@/does/not/exist.json"], "cannot read /does/not/exist.json"),
        (["--runtime", "python2.7"], "runtime 'python2.7' is not supported"),
        (["--env", "AWS_REGION=x"], "AWS_REGION is reserved by Lambda"),
        (["--env", "NOEQUALS"], "expected KEY=VALUE"),
        (["--timeout", "0"], "timeout 0 s is out of range"),
        (["--layer", "/does/not/exist.zip"], "--layer /does/not/exist.zip does not exist"),
    ],
)
def test_bad_arguments_exit_2_and_say_why(
    outside: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = local(
        "invoke", "--code", str(outside), "--handler", "main.handler", *args, cwd=tmp_path
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_invoke_returns_although_the_function_left_a_daemon(tmp_path: Path) -> None:
    result = local(
        "invoke", "--code", str(HANDLERS), "--handler", "app.daemon",
        "--event", '{"seconds": 302.25}',
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "left 1 process(es) running; killing them" in result.stderr
    assert "(sleep 302.25)" in result.stderr
    survivors = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    assert not [p for p in survivors if command_line(int(p.name)) == "sleep 302.25"]


def test_serve_refuses_more_than_two_event_retries(tmp_path: Path) -> None:
    result = local(
        "serve", "--stack", "ci", "--outputs", str(tmp_path / "o.json"),
        "--event-retry-delays", "1,2,3",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Lambda retries an event at most twice" in result.stderr


def test_usage(tmp_path: Path) -> None:
    assert local("--help", cwd=tmp_path).returncode == 0
    result = local("bogus", cwd=tmp_path)
    assert result.returncode == 2
    assert "serve" in result.stderr and "invoke" in result.stderr
