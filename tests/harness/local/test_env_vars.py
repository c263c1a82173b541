"""The variables a function gets: AWS's table, the function's own, and nothing of the host."""

from __future__ import annotations

from pathlib import Path

from harness.local.config import FunctionConfig
from harness.local.env_vars import RIE_TIMEOUT, function_environment, rie_only
from harness.local.sandbox import Paths
from tests.harness.local.fixtures import HANDLERS

SANDBOX = Paths(
    task_root="/var/task",
    opt="/opt",
    runtime_dir="/var/runtime",
    lang="/var/lang",
    interpreter_name="python3.13",
    rie="/var/rapid/aws-lambda-rie",
    sandboxed=True,
)


def make(**changes: object) -> FunctionConfig:
    settings: dict[str, object] = {"name": "fn", "handler": "app.echo", "code": HANDLERS}
    settings.update(changes)
    return FunctionConfig(**settings)  # type: ignore[arg-type]


def test_in_the_sandbox_the_values_are_lambdas() -> None:
    env = function_environment(make(memory_size=512), SANDBOX, log_stream="2026/01/01/[$LATEST]a")
    assert env["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert env["LD_LIBRARY_PATH"] == (
        "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib"
        ":/opt/lib"
    )
    assert env["PYTHONPATH"].split(":") == [
        "/var/task",
        "/opt/python/lib/python3.13/site-packages",
        "/opt/python",
        "/var/runtime",
    ]
    assert (env["LANG"], env["TZ"], env["PWD"]) == ("en_US.UTF-8", ":UTC", "/var/task")
    assert (env["LAMBDA_TASK_ROOT"], env["LAMBDA_RUNTIME_DIR"]) == ("/var/task", "/var/runtime")
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert (env["_AWS_XRAY_DAEMON_ADDRESS"], env["_AWS_XRAY_DAEMON_PORT"]) == ("127.0.0.1", "2000")
    assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    assert all(env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"))
    for absent in (RIE_TIMEOUT, "HOME", "PYTHONDONTWRITEBYTECODE", "AWS_LAMBDA_LOG_FORMAT"):
        assert absent not in env
    assert "AWS_LAMBDA_MAX_CONCURRENCY" not in env  # would switch awslambdaric to LMI mode


def test_a_snapstart_function_has_no_log_group_or_stream_variables() -> None:
    on_demand = function_environment(make(), SANDBOX, log_stream="s")
    snap = function_environment(make(snap_start=True), SANDBOX, log_stream="s")
    log_variables = {"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"}
    assert log_variables <= on_demand.keys()
    assert not log_variables & snap.keys()
    assert snap["AWS_LAMBDA_FUNCTION_VERSION"] == "1"


def test_the_function_overrides_the_unreserved_and_never_the_reserved(tmp_path: Path) -> None:
    spec = make(environment={"TZ": "Europe/Paris", "APP": "1"}, log_format="JSON")
    host = Paths(
        task_root=str(tmp_path / "task"),
        opt=str(tmp_path / "opt"),
        runtime_dir=str(tmp_path / "rt"),
        lang="/py",
        interpreter_name="python3.13",
        rie="/rie",
        sandboxed=False,
    )
    env = function_environment(spec, host, log_stream="s")
    assert env["TZ"] == "Europe/Paris"  # a function may override TZ, as in Lambda
    assert env["APP"] == "1"
    assert env["PATH"].startswith("/py/bin:")
    assert env["LAMBDA_TASK_ROOT"] == str(tmp_path / "task")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # without the sandbox the code is writable
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"


def test_only_the_rie_is_told_a_timeout() -> None:
    assert rie_only(17) == {RIE_TIMEOUT: "17"}
