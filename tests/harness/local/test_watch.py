"""What Lambda enforces during an invocation, enforced here: MemorySize over every process of
the environment (`Runtime.OutOfMemory`), and the timeout (test_environment.py, test_pool.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.harness.local.fixtures import all_dead

pytestmark = pytest.mark.slow


def test_over_memory_size_the_runtime_dies_out_of_memory_and_is_replaced(pools: Any) -> None:
    pool = pools("oom-fn", "hog", memory_size=128)
    warm = pool.invoke(b'{"mb": 8}')
    processes = pool.pids()
    failed = pool.invoke(b'{"mb": 300}')
    assert failed.function_error == "Unhandled"
    assert json.loads(failed.payload) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {failed.request_id} Error: Runtime exited with error: "
        "signal: killed",
    }
    assert (failed.report.status, failed.report.error_type) == ("error", "Runtime.OutOfMemory")
    assert failed.report.max_memory_used_mb == 128
    assert failed.log.rstrip("\n").endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")
    assert all_dead(processes)
    replaced = pool.invoke(b'{"mb": 8}')
    assert replaced.report.init_duration_ms is not None
    assert json.loads(replaced.payload)["instance"] != json.loads(warm.payload)["instance"]


def test_the_limit_is_on_all_of_the_environments_processes(pools: Any) -> None:
    pool = pools("oom-children-fn", "hog_in_children", memory_size=128)
    within = pool.invoke(b'{"mb": 20, "children": 1}')
    assert within.function_error is None, within.payload
    over = pools("oom-sum-fn", "hog_in_children", memory_size=128)
    failed = over.invoke(b'{"mb": 50, "children": 3}')  # each child well under 128 MB
    assert failed.error_type == "Runtime.OutOfMemory", failed.payload


def test_pages_a_fork_shares_with_its_parent_count_once(pools: Any) -> None:
    """Resident sets of a parent and its fresh fork add up to twice what they hold together."""
    pool = pools("fork-fn", "hog_then_fork", memory_size=128)
    forked = pool.invoke(b'{"mb": 70, "seconds": 1}')
    assert forked.function_error is None, forked.payload
    assert forked.report.max_memory_used_mb < 128


def test_max_memory_used_counts_a_child_process(pools: Any) -> None:
    """Lambda's Max Memory Used is the whole sandbox's: a child holding 64 MiB adds about that
    much to it (the runtime alone is ~16 MB here)."""
    pool = pools("child-memory-fn", "child_holds", memory_size=256)
    bare = pool.invoke(b'{"mb": 0}')
    holding = pool.invoke(b'{"mb": 64}')
    assert bare.function_error is None, bare.payload
    assert holding.function_error is None, holding.payload
    grown = holding.report.max_memory_used_mb - bare.report.max_memory_used_mb
    assert 56 <= grown <= 72, (bare.report.max_memory_used_mb, holding.report.max_memory_used_mb)
