"""An environment's processes: frozen between invocations as Lambda freezes them, thawed for the
next one, and all stopped with the environment, a daemon that left its session included."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from harness.local.procs import command_line
from tests.harness.local.fixtures import all_dead

pytestmark = pytest.mark.slow


def test_work_after_the_return_waits_frozen_for_the_next_invocation(pools: Any) -> None:
    pool = pools("frozen-fn", "background")
    pool.invoke(b'{"start": true, "every": 0.2}')  # a thread that ticks after the return
    time.sleep(1.5)  # were it not frozen, it would tick about 7 times meanwhile
    sent = time.time()
    ticks = json.loads(pool.invoke(b'{"wait": 0.5}').payload)["ticks"]
    assert ticks, "the thread runs again once the next invocation is handed out"
    assert all(tick >= sent for tick in ticks), [round(sent - tick, 3) for tick in ticks]


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandbox", "host"])
def test_a_daemon_the_function_left_is_stopped_with_its_environment(
    pools: Any, capsys: pytest.CaptureFixture[str], sandboxed: bool
) -> None:
    pool = pools(f"daemon-{sandboxed}-fn", "daemon", pool_options={"sandboxed": sandboxed})
    assert pool.invoke(b'{"seconds": 301.5}').function_error is None
    processes = pool.pids()
    assert any(command_line(pid) == "sleep 301.5" for pid in processes)
    pool.close()  # returns although the daemon holds the output pipe
    assert all_dead(processes)
    said = capsys.readouterr().err
    assert "the function left 1 process(es) running; killing them" in said
    assert "(sleep 301.5)" in said
