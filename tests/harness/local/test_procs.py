"""Process facts from /proc: which processes hold a pipe, what a process holds in memory alone,
whether two share an address space, how long one waited for a CPU."""

from __future__ import annotations

import os
import subprocess
import sys

from harness.local.procs import (
    children,
    command_line,
    descendants,
    pipe_holders,
    private_kb,
    probe_failure,
    rss_kb,
    run_delay_s,
    same_memory,
)


def test_a_process_that_inherited_a_pipe_holds_it_until_it_exits() -> None:
    read_end, write_end = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], stdout=write_end
    )
    os.close(write_end)
    try:
        assert pipe_holders(os.fstat(read_end).st_ino) == [child.pid]
        assert command_line(child.pid).endswith("import time; time.sleep(30)")
        child.kill()
        child.wait()
        assert pipe_holders(os.fstat(read_end).st_ino) == []
    finally:
        child.kill()
        child.wait()
        os.close(read_end)


def test_a_fork_shares_its_parents_pages_but_not_its_address_space() -> None:
    block = bytearray(32 * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.read(read_end, 1)
        os._exit(0)
    try:
        assert not same_memory(os.getpid(), child)
        assert same_memory(os.getpid(), os.getpid())
        assert (rss_kb(child) or 0) > 32 * 1024  # the pages are mapped in both ...
        assert private_kb(child) < 16 * 1024  # ... and belong to neither alone
    finally:
        os.write(write_end, b"x")
        os.waitpid(child, 0)


def test_cpu_wait_is_read_for_a_live_process_and_zero_for_a_gone_one() -> None:
    assert run_delay_s(os.getpid()) >= 0
    assert run_delay_s(2**22 + 12345) == 0.0


def test_the_tree_of_a_live_process_is_walked_and_a_gone_one_has_none() -> None:
    """A process may end while the watch walks the tree: it has no children, not an error."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in children(os.getpid())
        assert child.pid in descendants(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert children(child.pid) == [] and descendants(child.pid) == []


def test_a_probe_says_what_failed_and_why() -> None:
    assert probe_failure(["sh", "-c", "exit 0"], "sh", 10) is None
    failing = ["sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3"]
    assert probe_failure(failing, "`sh -c`", 10) == "`sh -c` failed: the reason"
    assert probe_failure(["sh", "-c", "exit 4"], "sh", 10) == "sh failed: exit 4"
    missing = probe_failure(["/nonexistent/tool"], "the tool", 10)
    assert missing is not None and missing.startswith("the tool could not run: ")
