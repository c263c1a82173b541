"""Lambda extensions in a function's layers run as on Lambda (in the sandbox): they register
during init, receive INVOKE and SHUTDOWN, count in Max Memory Used, may work after the runtime
answered (the environment is frozen only once they asked for the next event) within the
function's timeout; where they cannot run as on Lambda, the function is refused."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.local.environment import Environment
from harness.local.errors import StartError
from harness.local.extensions import check_supported
from harness.local.layout import lay_out
from harness.local.procs import command_line
from harness.local.toolchain import Toolchain
from tests.harness.local.fixtures import extension_layer, needs_sandbox, spec, wait_until

pytestmark = pytest.mark.slow

PROBE_MB = 40


@needs_sandbox
def test_an_extension_registers_in_init_works_after_the_answer_and_counts_in_memory(
    pools: Any, tmp_path: Path
) -> None:
    pool = pools(
        "ext-fn",
        "extension_log",
        # Initializing ahead sends the RIE an invocation of the environment's own, which the
        # RIE would show the extension as an INVOKE: such an environment starts on its first.
        {"proactive_init": 1.0},
        layers=(extension_layer(tmp_path),),
        environment={
            "PROBE_REGISTER_DELAY_S": "0.5",
            "PROBE_AFTER_INVOKE_S": "0.5",
            "PROBE_MB": str(PROBE_MB),
        },
        timeout=5,
    )
    first = pool.invoke(b"{}")
    assert first.function_error is None, first.payload
    lines = json.loads(first.payload)["lines"]
    assert lines[0] == "REGISTERED probe-extension"
    assert not any(line.startswith("DONE ") for line in lines)  # no INVOKE before this one
    # init waits for the extension's registration, as Lambda's Extension init phase does
    assert first.report.init_duration_ms is not None
    assert first.report.init_duration_ms >= 500
    # Duration counts the extension's work after the answer, as Lambda's does
    assert first.report.duration_ms >= 500
    # the extension is a member of the environment: its memory counts (an idle runtime ~16 MB)
    assert first.report.max_memory_used_mb >= PROBE_MB + 10
    # between invocations the extension is frozen with the rest of the environment
    (extension,) = [pid for pid in pool.pids() if "probe-extension" in command_line(pid)]
    wait_until(lambda: _state(extension) == "T", 2, "the extension to be stopped")
    second = pool.invoke(b"{}")
    assert second.function_error is None, second.payload
    lines = json.loads(second.payload)["lines"]
    # the extension got the first INVOKE and finished its work after the answer
    # (frozen at the runtime's `next`, it never would have: the RIE waits for the extension)
    invoked = lines[1].removeprefix("INVOKE ")
    assert lines[1:3] == [f"INVOKE {invoked}", f"DONE {invoked}"], lines


@needs_sandbox
def test_the_timeout_covers_the_extensions_work_after_the_answer(
    pools: Any, tmp_path: Path
) -> None:
    pool = pools(
        "ext-slow-fn",
        "extension_log",
        layers=(extension_layer(tmp_path),),
        environment={"PROBE_AFTER_INVOKE_S": "30"},
        timeout=1,
    )
    timed_out = pool.invoke(b"{}")
    assert timed_out.error_type == "Sandbox.Timedout", timed_out.payload
    assert timed_out.report.status == "timeout"


@needs_sandbox
def test_an_extension_is_told_to_shut_down_when_its_environment_stops(
    tools: Toolchain, tmp_path: Path
) -> None:
    function = spec("ext-stop-fn", "extension_log", layers=(extension_layer(tmp_path),))
    layout = lay_out(function.code, function.layers, tmp_path / "fn", tmp_path / "cache")
    environment = Environment(function, layout, tools, sandbox=True)
    environment.start()
    try:
        result = environment.invoke(b"{}", request_id=str(uuid.uuid4()), trace_id="")
        assert result.status == 200, result.body
        tree = environment._tree
        assert tree is not None
        # the RIE starts the extension first; the runtime is still told apart, and the
        # extension is no process the function left behind
        runtime = tree.runtime()
        assert runtime is not None
        assert "awslambdaric" in command_line(runtime)
        assert len(tree.extensions()) == 1
        assert tree.leftovers() == []
    finally:
        environment.stop()
    output = list(environment._rie_tail)
    assert any(line.startswith("probe-extension: SHUTDOWN ") for line in output), output


def test_without_the_sandbox_an_extension_layer_is_refused(
    tools: Toolchain, tmp_path: Path
) -> None:
    function = spec("ext-host-fn", "echo", layers=(extension_layer(tmp_path, "my-ext"),))
    layout = lay_out(function.code, function.layers, tmp_path / "fn", tmp_path / "cache")
    with pytest.raises(StartError, match=r"ext-host-fn: .*/opt/extensions \(my-ext\).*sandbox"):
        Environment(function, layout, tools, sandbox=False)


def test_without_the_sandbox_this_machine_s_extensions_refuse_every_function(
    tmp_path: Path,
) -> None:
    host_opt = tmp_path / "opt"
    (host_opt / "extensions" / "a-folder").mkdir(parents=True)
    function = spec("plain-fn", "echo")
    check_supported(function, (), sandbox=False, host_opt=host_opt)  # folders are not started
    (host_opt / "extensions" / "host-agent").write_text("#!/bin/sh\n")
    with pytest.raises(StartError, match=r"plain-fn: .*extensions \(host-agent\)"):
        check_supported(function, (), sandbox=False, host_opt=host_opt)
    check_supported(function, (), sandbox=True, host_opt=host_opt)  # the sandbox hides them


def test_on_the_emulated_architecture_an_extension_layer_is_refused(
    tools: Toolchain, tmp_path: Path
) -> None:
    function = spec("ext-arm-fn", "echo", layers=(extension_layer(tmp_path, "my-ext"),))
    layout = lay_out(function.code, function.layers, tmp_path / "fn", tmp_path / "cache")
    emulated = replace(tools, emulator=Path("/usr/bin/qemu-aarch64-static"))
    with pytest.raises(StartError, match=r"ext-arm-fn: .*\(my-ext\).*qemu-user"):
        Environment(function, layout, emulated, sandbox=True)


def test_an_exec_wrapper_is_refused(tools: Toolchain, tmp_path: Path) -> None:
    function = spec("wrapped-fn", "echo", environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrap"})
    layout = lay_out(function.code, function.layers, tmp_path / "fn", tmp_path / "cache")
    with pytest.raises(StartError, match=r"AWS_LAMBDA_EXEC_WRAPPER=/opt/wrap .*unset"):
        Environment(function, layout, tools, sandbox=True)


def _state(pid: int) -> str:
    """The process's state letter (/proc/<pid>/stat field 3: T is stopped)."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
