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


def local(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "local", *args],
        cwd=cwd,
        input=stdin,
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


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_an_event_over_6_mb_is_refused_before_the_handler_runs(
    outside: Path, tmp_path: Path, source: str
) -> None:
    """Lambda answers 413 before any environment sees the request: no init, no START, no
    output of the handler; the same limit and answer as `serve` (invoke_limits.py)."""
    event = json.dumps({"name": "x" * (7 * 1024 * 1024)})
    path = tmp_path / "big.json"
    path.write_text(event)
    result = local(
        "invoke", "--code", str(outside), "--handler", "main.handler",
        "--layer", str(layer_zip(tmp_path)), "--env", "GREETING=hi",
        "--event", f"@{path}" if source == "file" else "@-",
        cwd=tmp_path, stdin=event if source == "stdin" else None,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert (
        "Lambda refuses the request (413 RequestEntityTooLargeException): Request must be "
        "smaller than 6291456 bytes for the InvokeFunction operation"
    ) in result.stderr
    assert "handling" not in result.stderr and "START" not in result.stderr
    assert "UnmarshalError" not in result.stderr


def test_an_event_of_exactly_6_mb_runs(outside: Path, tmp_path: Path) -> None:
    """The limit counts the request body's bytes: 6291456 of them still run."""
    name = "y" * (6 * 1024 * 1024 - len(json.dumps({"name": ""})))
    result = local(
        "invoke", "--code", str(outside), "--handler", "main.handler",
        "--layer", str(layer_zip(tmp_path)), "--env", "GREETING=hi", "--event", "@-",
        cwd=tmp_path, stdin=json.dumps({"name": name}),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["hello"] == name


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
