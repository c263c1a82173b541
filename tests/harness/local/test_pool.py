"""A function's pool of environments: warm reuse, cold when busy, updates, reaping, closing,
and init's budget of its own."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.local.errors import ServiceError, TooManyEnvironments
from tests.harness.local.fixtures import all_dead, wait_until

pytestmark = pytest.mark.slow


def instance(payload: bytes) -> str:
    """Which environment answered (each handler module draws an id when it is imported)."""
    return str(json.loads(payload)["instance"])


def test_an_update_makes_the_next_invoke_cold_with_the_new_configuration(pools: Any) -> None:
    pool = pools("upd-fn", "echo", environment={"NONCE": "1"})
    before = pool.invoke(b"{}")
    old = pool.pids()
    pool.update(pool.spec.updated(environment={"NONCE": "2"}, memory_size=256))
    after = pool.invoke(b"{}")
    assert after.report.init_duration_ms is not None
    assert json.loads(after.payload)["env"]["NONCE"] == "2"
    assert after.report.memory_size_mb == 256
    assert instance(after.payload) != instance(before.payload)
    assert all_dead(old)


def test_an_update_during_an_invoke_retires_that_environment_when_it_returns(pools: Any) -> None:
    pool = pools("upd-busy-fn", "sleep")
    with ThreadPoolExecutor(1) as executor:
        running = executor.submit(pool.invoke, b'{"seconds": 0.5}')
        wait_until(lambda: pool.state().busy == 1, 10, "the invoke to start")
        pool.update(pool.spec.updated(environment={"NONCE": "x"}))
        running.result()
    assert pool.state().idle == 0
    assert pool.invoke(b'{"seconds": 0}').report.init_duration_ms is not None


def test_busy_environments_make_new_cold_ones(pools: Any) -> None:
    pool = pools("busy-fn", "sleep")
    with ThreadPoolExecutor(2) as executor:
        results = list(executor.map(lambda _: pool.invoke(b'{"seconds": 1}'), range(2)))
    assert len({instance(r.payload) for r in results}) == 2
    assert all(r.report.init_duration_ms is not None for r in results)
    assert pool.state().idle == 2
    warm = pool.invoke(b'{"seconds": 0}')
    assert warm.report.init_duration_ms is None


def test_idle_environments_are_reaped_after_the_ttl(pools: Any) -> None:
    pool = pools("ttl-fn", "echo", pool_options={"idle_ttl_s": 0.2})
    pool.invoke(b"{}")
    processes = pool.pids()
    assert pool.reap() == 0  # still fresh
    time.sleep(0.3)
    assert pool.reap() == 1
    assert all_dead(processes)
    assert pool.invoke(b"{}").report.init_duration_ms is not None


def test_the_environment_limit_throttles(pools: Any) -> None:
    pool = pools("limit-fn", "sleep", pool_options={"max_environments": 1})
    with ThreadPoolExecutor(1) as executor:
        running = executor.submit(pool.invoke, b'{"seconds": 1}')
        wait_until(lambda: pool.state().busy == 1, 10, "the first invoke to start")
        with pytest.raises(TooManyEnvironments, match="already runs 1 concurrent"):
            pool.invoke(b'{"seconds": 0}')
        running.result()


def test_close_stops_every_process(pools: Any) -> None:
    pool = pools("close-fn", "sleep")
    with ThreadPoolExecutor(1) as executor:
        running = executor.submit(pool.invoke, b'{"seconds": 30}')
        wait_until(lambda: len(pool.pids()) >= 2, 10, "the runtime to start")
        processes = pool.pids()
        pool.close()
        with pytest.raises(ServiceError, match="answered nothing"):
            running.result(timeout=10)  # the interrupted invoke fails: the API's 500
    assert all_dead(processes)


def test_init_has_a_budget_of_its_own_then_the_handler_gets_its_full_timeout(pools: Any) -> None:
    pool = pools("slow-init-fn", "slow_init.handler", timeout=1, environment={"INIT_SLEEP_S": "2"})
    cold = pool.invoke(b"{}")
    assert cold.function_error is None, cold.payload  # init (2 s) is not part of the 1 s timeout
    assert cold.report.status == "success"
    assert cold.report.init_duration_ms is not None and cold.report.init_duration_ms > 1000
    assert json.loads(cold.payload)["remainingMs"] > 0  # the deadline starts after init
    assert cold.log.index("slow init: done") < cold.log.index("START RequestId")


def test_an_init_over_its_budget_is_retried_inside_the_invocation(pools: Any) -> None:
    settings = {"environment": {"INIT_SLEEP_S": "1.5"}, "pool_options": {"init_budget_s": 1}}
    retried = pools("retry-init-fn", "slow_init.handler", timeout=5, **settings).invoke(b"{}")
    assert retried.function_error is None, retried.payload
    lines = retried.log.splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:")
    assert lines[1].startswith("INIT_REPORT Init Duration: ")
    assert lines[1].endswith("\tPhase: init\tStatus: timeout")
    assert lines[2] == f"START RequestId: {retried.request_id} Version: $LATEST"
    assert "slow init: done" in lines[3:]  # the retried init logs inside the invocation
    assert retried.report.init_duration_ms is None  # ... and its time is in the Duration
    assert retried.report.duration_ms >= 1500  # the retried init slept 1.5 s
    too_slow = pools("retry-timeout-fn", "slow_init.handler", timeout=1, **settings)
    timed_out = too_slow.invoke(b"{}")
    assert (timed_out.error_type, timed_out.report.status) == ("Sandbox.Timedout", "timeout")
    assert "Status: timeout" in timed_out.log.splitlines()[1]


def test_a_proactive_init_runs_before_the_first_invoke_which_reports_no_init_duration(
    pools: Any,
) -> None:
    """Lambda may initialize an environment before any invocation needs it: the first invoke
    is then the environment's first (a new module instance) but has no Init Duration; what init
    printed is still in its log (without the option, every new environment reports its init:
    the tests above)."""
    pool = pools("ahead-fn", "echo", pool_options={"proactive_init": 1.0})
    first = pool.invoke(b"{}")
    assert first.function_error is None
    assert first.report.init_duration_ms is None
    assert "init: module loaded" in first.log
    answer = json.loads(first.payload)
    assert (answer["requestId"], answer["invocations"]) == (first.request_id, 1), (
        "the init's own invocation never reaches the handler"
    )
    second = pool.invoke(b"{}")
    assert instance(second.payload) == instance(first.payload), "then warm as usual"
    pool.update(pool.spec.updated(environment={"NONCE": "2"}))
    after_update = pool.invoke(b"{}")
    assert instance(after_update.payload) != instance(first.payload)
    assert after_update.report.init_duration_ms is None


def test_a_proactive_share_outside_0_to_1_is_refused(pools: Any) -> None:
    with pytest.raises(ValueError, match=r"proactive_init=1\.5"):
        pools("bad-share-fn", "echo", pool_options={"proactive_init": 1.5})
